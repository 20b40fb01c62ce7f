package dev.nearcache.cache;

import java.time.Duration;
import java.util.List;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cache.annotation.AnnotationCacheOperationSource;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.config.CacheManagementConfigUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;

import dev.nearcache.cache.NearCacheInvalidatorTests.RecordingPublisher;

/**
 * Caching enabled with a {@link NearCacheManager} (dynamic caches, a recording publisher) and nearcache's two fill
 * advisors ordered around Spring's cache advisor as the auto-configuration orders them, for tests that drive
 * {@code @Cacheable} methods through real proxies.
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching
class FillAdvisorsConfiguration {

	@Bean
	RecordingPublisher publisher() {
		return new RecordingPublisher();
	}

	@Bean
	NearCacheManager cacheManager(RecordingPublisher publisher) {
		NearCacheSettings defaults = new NearCacheSettings("defaults", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		return new NearCacheManager(defaults, List.of(), true, new KeyCanonicalizer(), publisher);
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static CacheFillAdvisor fillAdvisor(BeanFactory beanFactory) {
		return new CacheFillAdvisor(new AnnotationCacheOperationSource(false), () -> cacheAdvisorOrder(beanFactory));
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static FillCompletionAdvisor fillCompletionAdvisor(CacheFillAdvisor fillAdvisor, BeanFactory beanFactory) {
		return new FillCompletionAdvisor(fillAdvisor, () -> cacheAdvisorOrder(beanFactory));
	}

	private static int cacheAdvisorOrder(BeanFactory beanFactory) {
		ConfigurableListableBeanFactory listable = (ConfigurableListableBeanFactory) beanFactory;
		return (listable.getSingleton(CacheManagementConfigUtils.CACHE_ADVISOR_BEAN_NAME) instanceof Ordered advisor)
				? advisor.getOrder() : Ordered.LOWEST_PRECEDENCE;
	}

}
