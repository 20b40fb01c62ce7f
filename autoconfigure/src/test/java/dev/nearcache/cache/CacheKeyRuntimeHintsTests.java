package dev.nearcache.cache;

import org.junit.jupiter.api.Test;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.cache.interceptor.SimpleKey;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CacheKeyRuntimeHints}.
 */
class CacheKeyRuntimeHintsTests {

	@Test
	void simpleKeyElementsCanBeReadInANativeImage() {
		RuntimeHints hints = new RuntimeHints();
		new CacheKeyRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection().onFieldAccess(SimpleKey.class, "params")).accepts(hints);
	}

	@Test
	void hintedFieldIsTheOneKeyCanonicalizerReads() {
		assertThat(KeyCanonicalizer.SIMPLE_KEY_PARAMS).isNotNull();
		RuntimeHints hints = new RuntimeHints();
		new CacheKeyRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection().onFieldAccess(KeyCanonicalizer.SIMPLE_KEY_PARAMS))
			.accepts(hints);
		assertThat(new KeyCanonicalizer().canonicalize(new SimpleKey(42L, "eu"))).isEqualTo("[\"42\",\"eu\"]");
	}

	@Test
	void registeredInAotFactories() {
		assertThat(SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
			.load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(CacheKeyRuntimeHints.class);
	}

}
