package dev.nearcache.autoconfigure;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.type.AnnotationMetadata;

import dev.nearcache.annotation.CacheInvalidateAdvisor;
import dev.nearcache.cache.NearCacheManager;

/**
 * The {@code @CacheInvalidate} advisor, and an auto-proxy creator to apply it if the application has none yet
 * ({@code @EnableCaching}, {@code @EnableTransactionManagement} and Spring Boot's AOP auto-configuration each
 * register one; this registers the same infrastructure-only creator they would, and defers to theirs).
 * <p>
 * The advisor looks up the cache manager and the invalidator at the first call, not when it is created: advisors
 * are created while other beans are being created, and depending on them then would be a circular reference.
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
@ConditionalOnBean(NearCacheManager.class)
@Import(CacheInvalidateConfiguration.AutoProxyCreatorRegistrar.class)
class CacheInvalidateConfiguration {

	/** Name of Spring's transaction advisor bean ({@code TransactionManagementConfigUtils}, spring-tx is optional). */
	private static final String TRANSACTION_ADVISOR_BEAN_NAME = "org.springframework.transaction.config."
			+ "internalTransactionAdvisor";

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static CacheInvalidateAdvisor nearCacheInvalidateAdvisor(BeanFactory beanFactory) {
		return new CacheInvalidateAdvisor(beanFactory, () -> transactionAdvisorOrder(beanFactory));
	}

	private static int transactionAdvisorOrder(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable
				&& listable.containsSingleton(TRANSACTION_ADVISOR_BEAN_NAME)
				&& listable.getSingleton(TRANSACTION_ADVISOR_BEAN_NAME) instanceof Ordered advisor) {
			return advisor.getOrder();
		}
		return Ordered.LOWEST_PRECEDENCE;
	}

	static class AutoProxyCreatorRegistrar implements ImportBeanDefinitionRegistrar {

		@Override
		public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
			AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
		}

	}

}
