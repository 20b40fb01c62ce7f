package dev.nearcache.annotation;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * An application with {@code nearcache.dynamic=false} and its own default key generator, declared through a
 * {@link CachingConfigurer} as Spring's cache abstraction expects.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
class StrictCatalogApplication {

	@Bean
	Catalog catalog() {
		return new Catalog();
	}

	@Configuration(proxyBeanMethods = false)
	static class VersionedKeys implements CachingConfigurer {

		@Override
		public KeyGenerator keyGenerator() {
			return (target, method, params) -> "v2:" + params[0];
		}

	}

	static class Catalog {

		final AtomicInteger writes = new AtomicInteger();

		@Cacheable("products")
		public String product(Long id) {
			return "product-" + id;
		}

		@CacheInvalidate("products")
		public void discontinue(Long id) {
			this.writes.incrementAndGet();
		}

		@CacheInvalidate("produkts")
		public void misspelledCache(Long id) {
			this.writes.incrementAndGet();
		}

		@CacheInvalidate(cacheNames = "products", keyGenerator = "noSuchKeyGenerator")
		public void missingKeyGenerator(Long id) {
			this.writes.incrementAndGet();
		}

		public int writes() {
			return this.writes.get();
		}

	}

}
