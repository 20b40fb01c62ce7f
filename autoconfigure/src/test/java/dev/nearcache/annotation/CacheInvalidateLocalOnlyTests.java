package dev.nearcache.annotation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.nearcache.annotation.StrictCatalogApplication.Catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code @CacheInvalidate} in an application without Redis, with {@code nearcache.dynamic=false} and a default key
 * generator of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheInvalidateLocalOnlyTests {

	private AppInstance instance;

	@BeforeAll
	void start() {
		this.instance = AppInstance.startLocalOnly(StrictCatalogApplication.class, "nearcache.dynamic=false",
				"nearcache.caches.products.ttl=5m");
	}

	@AfterAll
	void stop() {
		this.instance.close();
	}

	@Test
	void defaultKeyIsTheCachingConfigurersKeyGenerators() {
		catalog().product(1L);
		assertThat(this.instance.holds("products", "v2:1")).isTrue();
		catalog().discontinue(1L);
		assertThat(this.instance.holds("products", "v2:1")).isFalse();
	}

	@Test
	void unknownCacheIsAnErrorNamingTheMethodAndTheCacheBeforeTheMethodRuns() {
		int writes = catalog().writes();
		assertThatExceptionOfType(CacheInvalidateException.class)
			.isThrownBy(() -> catalog().misspelledCache(1L))
			.withMessageContaining("@CacheInvalidate on StrictCatalogApplication.Catalog.misspelledCache(Long)")
			.withMessageContaining("no near cache named 'produkts'")
			.withMessageContaining("nearcache.dynamic=false");
		assertThat(catalog().writes()).isEqualTo(writes);
	}

	@Test
	void unknownKeyGeneratorIsAnErrorBeforeTheMethodRuns() {
		int writes = catalog().writes();
		assertThatExceptionOfType(CacheInvalidateException.class)
			.isThrownBy(() -> catalog().missingKeyGenerator(1L))
			.withMessageContaining("missingKeyGenerator(Long)")
			.withMessageContaining("no KeyGenerator bean named 'noSuchKeyGenerator'");
		assertThat(catalog().writes()).isEqualTo(writes);
	}

	private Catalog catalog() {
		return this.instance.bean(Catalog.class);
	}

}
