package dev.nearcache.actuate;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.autoconfigure.NearCacheAutoConfiguration;
import dev.nearcache.autoconfigure.NearCacheEndpointAutoConfiguration;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.testsupport.CachingEnabled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When {@link NearCacheEndpointAutoConfiguration} defines the endpoint.
 */
class NearCacheEndpointAutoConfigurationTests {

	private final WebApplicationContextRunner contextRunner = new WebApplicationContextRunner()
		.withUserConfiguration(CachingEnabled.class)
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class,
				NearCacheEndpointAutoConfiguration.class))
		.withPropertyValues("nearcache.invalidation.enabled=false");

	@Test
	void endpointIsNotDefinedUntilExposed() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(NearCacheManager.class)
			.doesNotHaveBean(NearCacheEndpoint.class)
			.doesNotHaveBean(NearCacheEndpointWebExtension.class));
	}

	@Test
	void endpointAndWebExtensionAreDefinedWhenExposedOverHttp() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=nearcache")
			.run((context) -> assertThat(context).hasSingleBean(NearCacheEndpoint.class)
				.hasSingleBean(NearCacheEndpointWebExtension.class));
	}

	@Test
	void webExtensionIsNotDefinedWhenExposedOverJmxOnly() {
		new ApplicationContextRunner()
			.withUserConfiguration(CachingEnabled.class)
			.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class,
					NearCacheEndpointAutoConfiguration.class))
			.withPropertyValues("nearcache.invalidation.enabled=false", "spring.jmx.enabled=true",
					"management.endpoints.jmx.exposure.include=nearcache")
			.run((context) -> assertThat(context).hasSingleBean(NearCacheEndpoint.class)
				.doesNotHaveBean(NearCacheEndpointWebExtension.class));
	}

	@Test
	void endpointIsNotDefinedWhenAccessIsNone() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=nearcache",
					"management.endpoint.nearcache.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(NearCacheEndpoint.class));
	}

	@Test
	void endpointBacksOffWhenTheApplicationDefinesOne() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=nearcache")
			.withUserConfiguration(CustomEndpointConfiguration.class)
			.run((context) -> assertThat(context).getBean(NearCacheEndpoint.class)
				.isSameAs(context.getBean("customEndpoint")));
	}

	@Test
	void nothingIsDefinedWithoutActuator() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=nearcache")
			.withClassLoader(new FilteredClassLoader(ConditionalOnAvailableEndpoint.class))
			.run((context) -> assertThat(context).hasSingleBean(NearCacheManager.class)
				.doesNotHaveBean(NearCacheEndpoint.class));
	}

	@Test
	void nothingIsDefinedWhenNearcacheIsDisabled() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=nearcache",
				"nearcache.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(InvalidationStatistics.class)
				.doesNotHaveBean(NearCacheEndpoint.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomEndpointConfiguration {

		@Bean
		NearCacheEndpoint customEndpoint(NearCacheManager cacheManager, InvalidationStatistics statistics) {
			return new NearCacheEndpoint(cacheManager, statistics);
		}

	}

}
