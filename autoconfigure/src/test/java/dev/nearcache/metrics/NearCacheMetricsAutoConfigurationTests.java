package dev.nearcache.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.nearcache.autoconfigure.NearCacheAutoConfiguration;
import dev.nearcache.autoconfigure.NearCacheMetricsAutoConfiguration;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.testsupport.CachingEnabled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When {@link NearCacheMetricsAutoConfiguration} applies, next to Spring Boot's own metrics and cache metrics.
 */
class NearCacheMetricsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(CachingEnabled.class)
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class,
				NearCacheMetricsAutoConfiguration.class, MetricsAutoConfiguration.class,
				CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
				CacheMetricsAutoConfiguration.class))
		.withPropertyValues("nearcache.invalidation.enabled=false", "nearcache.caches.products.ttl=1m");

	@Test
	void channelAndStartupCacheMetersAreBoundOnceToSpringBootsRegistry() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(NearCacheMetrics.class).hasSingleBean(NearCacheMeterBinderProvider.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find("nearcache.messages").meters()).hasSize(2);
			assertThat(registry.find("nearcache.channel.state").tag("state", "LOCAL_ONLY").gauge().value())
				.isEqualTo(1);
			assertThat(registry.find("cache.gets").tag("cache", "products").meters()).hasSize(2);
			assertThat(registry.find("nearcache.invalidations").tag("cache", "products").meters()).hasSize(2);
		});
	}

	@Test
	void cacheManagerTagFollowsSpringBootsNaming() {
		this.contextRunner.run((context) -> {
			context.getBean(NearCacheManager.class).getCache("dynamic");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("cache.size").tag("cache", "dynamic").gauge().getId().getTag("cache.manager"))
				.isEqualTo(registry.get("cache.size").tag("cache", "products").gauge().getId().getTag("cache.manager"))
				.isEqualTo("cacheManager");
		});
	}

	@Test
	void nothingIsDefinedWithoutMicrometer() {
		new ApplicationContextRunner()
			.withUserConfiguration(CachingEnabled.class)
			.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class,
					NearCacheMetricsAutoConfiguration.class))
			.withPropertyValues("nearcache.invalidation.enabled=false")
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasSingleBean(NearCacheManager.class)
				.doesNotHaveBean(NearCacheMetrics.class)
				.doesNotHaveBean(NearCacheMeterBinderProvider.class));
	}

	@Test
	void nothingIsDefinedWhenNearcacheIsDisabled() {
		this.contextRunner.withPropertyValues("nearcache.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(NearCacheMetrics.class));
	}

}
