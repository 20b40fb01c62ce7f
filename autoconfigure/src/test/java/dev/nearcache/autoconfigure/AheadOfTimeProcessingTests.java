package dev.nearcache.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.aot.ApplicationContextAotGenerator;
import org.springframework.javapoet.ClassName;

import dev.nearcache.actuate.CacheDescriptor;
import dev.nearcache.actuate.InstanceDescriptor;
import dev.nearcache.annotation.CacheInvalidate;
import dev.nearcache.annotation.ExpressionRootObject;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs Spring's ahead-of-time processing over an application that uses nearcache, as {@code spring-boot:process-aot}
 * does, and checks that the hints a native image needs come out of it: nearcache's own registrars and processors
 * (found through {@code META-INF/spring/aot.factories}), the configured to-string key types, the application's
 * {@code @CacheInvalidate} methods and the actuator endpoint's responses. The sample's build starts the processed application with {@code -Dspring.aot.enabled=true}
 * (CatalogAotIT).
 */
class AheadOfTimeProcessingTests {

	@Test
	void processingRegistersWhatNearcacheReflectsOn() throws Exception {
		RuntimeHints hints = processAheadOfTime();
		assertThat(RuntimeHintsPredicates.reflection().onFieldAccess(SimpleKey.class, "params")).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(ExpressionRootObject.class, "getArgs"))
			.accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(ProductKey.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection()
			.onMethodInvocation(ProductWrites.class.getDeclaredMethod("rename", long.class, String.class)))
			.accepts(hints);
	}

	@Test
	void processingRegistersTheEndpointResponsesForJson() {
		RuntimeHints hints = processAheadOfTime();
		assertThat(RuntimeHintsPredicates.reflection().onType(InstanceDescriptor.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(CacheDescriptor.class)).accepts(hints);
	}

	private static RuntimeHints processAheadOfTime() {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			TestPropertyValues.of("nearcache.invalidation.enabled=false",
					"nearcache.keys.to-string-types=" + ProductKey.class.getName(),
					"management.endpoints.web.exposure.include=nearcache")
				.applyTo(context);
			context.register(NearCacheApplication.class);
			DefaultGenerationContext generationContext = new DefaultGenerationContext(
					new ClassNameGenerator(ClassName.get(NearCacheApplication.class)), new InMemoryGeneratedFiles());
			new ApplicationContextAotGenerator().processAheadOfTime(context, generationContext);
			return generationContext.getRuntimeHints();
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	@ImportAutoConfiguration({ NearCacheAutoConfiguration.class, CacheInvalidateAutoConfiguration.class,
			CacheAutoConfiguration.class, EndpointAutoConfiguration.class, NearCacheEndpointAutoConfiguration.class })
	static class NearCacheApplication {

		@Bean
		ProductWrites productWrites() {
			return new ProductWrites();
		}

	}

	record ProductKey(long id, String region) {

	}

	interface Renaming {

		void rename(long id, String name);

	}

	/** Behind a JDK proxy (it has an interface): only {@code @Reflective} registers its method. */
	static class ProductWrites implements Renaming {

		@Override
		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void rename(long id, String name) {
		}

	}

}
