package dev.nearcache.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.metrics.NearCacheMeterBinderProvider;
import dev.nearcache.metrics.NearCacheMetrics;

/**
 * Micrometer meters of nearcache, when Micrometer is present. Spring Boot binds the {@link NearCacheMetrics} to
 * its meter registry; the {@link NearCacheMeterBinderProvider} lets Spring Boot's own cache metrics bind the near
 * caches that exist at startup, with the same meters.
 */
@AutoConfiguration(after = NearCacheAutoConfiguration.class,
		afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		beforeName = "org.springframework.boot.cache.autoconfigure.metrics.CacheMetricsAutoConfiguration")
@ConditionalOnClass({ MeterRegistry.class, CacheMeterBinderProvider.class })
@ConditionalOnBean({ NearCacheManager.class, InvalidationStatistics.class })
public final class NearCacheMetricsAutoConfiguration {

	private static final String CACHE_MANAGER_SUFFIX = "cacheManager";

	@Bean
	@ConditionalOnMissingBean
	NearCacheMeterBinderProvider nearCacheMeterBinderProvider() {
		return new NearCacheMeterBinderProvider();
	}

	@Bean
	@ConditionalOnMissingBean
	NearCacheMetrics nearCacheMetrics(NearCacheManager cacheManager, InvalidationStatistics statistics,
			NearCacheMeterBinderProvider cacheMeters, ListableBeanFactory beanFactory) {
		return new NearCacheMetrics(cacheManager, cacheManagerTag(beanFactory, cacheManager), statistics, cacheMeters);
	}

	/** The {@code cache.manager} tag Spring Boot's cache metrics derive from the cache manager's bean name. */
	private static String cacheManagerTag(ListableBeanFactory beanFactory, NearCacheManager cacheManager) {
		for (String name : beanFactory.getBeanNamesForType(NearCacheManager.class, false, false)) {
			if (beanFactory.getBean(name) == cacheManager) {
				boolean suffixed = name.length() > CACHE_MANAGER_SUFFIX.length()
						&& StringUtils.endsWithIgnoreCase(name, CACHE_MANAGER_SUFFIX);
				return suffixed ? name.substring(0, name.length() - CACHE_MANAGER_SUFFIX.length()) : name;
			}
		}
		return CACHE_MANAGER_SUFFIX;
	}

}
