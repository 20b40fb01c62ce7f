package dev.nearcache.autoconfigure;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cache.config.CacheManagementConfigUtils;
import org.springframework.cache.annotation.AnnotationCacheOperationSource;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;

import dev.nearcache.cache.CacheFillAdvisor;
import dev.nearcache.cache.FillCompletionAdvisor;

/**
 * The advisors that keep {@code @Cacheable} fills from being broadcast as writes and make them race-proof, when
 * caching is enabled: {@link CacheFillAdvisor} just outside Spring's cache interceptor, {@link FillCompletionAdvisor}
 * just inside it.
 * <p>
 * It reads the cache annotations with its own {@link AnnotationCacheOperationSource} rather than Spring's
 * bean: advisors are matched while beans are being created, and looking that bean up then would be a
 * circular reference.
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
class CacheFillConfiguration {

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	@ConditionalOnBean(CacheAspectSupport.class)
	static CacheFillAdvisor nearCacheFillAdvisor(BeanFactory beanFactory) {
		return new CacheFillAdvisor(new AnnotationCacheOperationSource(false), () -> cacheAdvisorOrder(beanFactory));
	}

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	@ConditionalOnBean(CacheFillAdvisor.class)
	static FillCompletionAdvisor nearCacheFillCompletionAdvisor(CacheFillAdvisor fillAdvisor, BeanFactory beanFactory) {
		return new FillCompletionAdvisor(fillAdvisor, () -> cacheAdvisorOrder(beanFactory));
	}

	static int cacheAdvisorOrder(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable
				&& listable.containsSingleton(CacheManagementConfigUtils.CACHE_ADVISOR_BEAN_NAME)
				&& listable.getSingleton(CacheManagementConfigUtils.CACHE_ADVISOR_BEAN_NAME) instanceof Ordered advisor) {
			return advisor.getOrder();
		}
		return Ordered.LOWEST_PRECEDENCE;
	}

}
