package dev.nearcache.annotation;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CacheInvalidateRuntimeHints}.
 */
class CacheInvalidateRuntimeHintsTests {

	@ParameterizedTest
	@ValueSource(strings = { "getMethod", "getMethodName", "getArgs", "getTarget", "getTargetClass" })
	void rootObjectPropertiesCanBeReadByExpressionsInANativeImage(String getter) {
		RuntimeHints hints = new RuntimeHints();
		new CacheInvalidateRuntimeHints().registerHints(hints, getClass().getClassLoader());
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(ExpressionRootObject.class, getter))
			.accepts(hints);
	}

	@Test
	void registeredInAotFactories() {
		assertThat(SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
			.load(RuntimeHintsRegistrar.class))
			.hasAtLeastOneElementOfType(CacheInvalidateRuntimeHints.class);
	}

}
