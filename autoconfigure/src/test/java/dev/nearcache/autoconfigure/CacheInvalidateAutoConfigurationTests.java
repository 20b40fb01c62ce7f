package dev.nearcache.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;

import dev.nearcache.annotation.CacheInvalidateAdvisor;
import dev.nearcache.testsupport.CachingEnabled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CacheInvalidateAutoConfiguration}.
 */
class CacheInvalidateAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(CachingEnabled.class)
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class,
				CacheInvalidateAutoConfiguration.class))
		.withPropertyValues("nearcache.invalidation.enabled=false");

	@Test
	void advisorAndAutoProxyCreatorAreRegisteredWithTheNearCacheManager() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(CacheInvalidateAdvisor.class);
			assertThat(context).hasBean(AopConfigUtils.AUTO_PROXY_CREATOR_BEAN_NAME);
			assertThat(context.getBean(CacheInvalidateAdvisor.class).getOrder())
				.as("one step outside a transaction advisor of the default order")
				.isEqualTo(Ordered.LOWEST_PRECEDENCE - 1);
		});
	}

	@Test
	void backsOffWithoutANearCacheManager() {
		this.runner.withPropertyValues("nearcache.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(CacheInvalidateAdvisor.class));
	}

	@Test
	void backsOffWhenTheUserDefinesTheAdvisor() {
		this.runner.withUserConfiguration(OwnAdvisor.class).run((context) -> {
			assertThat(context).hasSingleBean(CacheInvalidateAdvisor.class);
			assertThat(context.getBean(CacheInvalidateAdvisor.class).getOrder()).isEqualTo(42);
		});
	}

	@Test
	void ordersItselfOneStepOutsideTheTransactionAdvisor() {
		this.runner.withUserConfiguration(OrderedTransactions.class)
			.run((context) -> assertThat(context.getBean(CacheInvalidateAdvisor.class).getOrder()).isEqualTo(9));
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnAdvisor {

		@Bean
		CacheInvalidateAdvisor ownAdvisor(BeanFactory beanFactory) {
			CacheInvalidateAdvisor advisor = new CacheInvalidateAdvisor(beanFactory, () -> Ordered.LOWEST_PRECEDENCE);
			advisor.setOrder(42);
			return advisor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement(order = 10)
	static class OrderedTransactions {

		@Bean
		PlatformTransactionManager transactionManager() {
			return new DataSourceTransactionManager(
					new SimpleDriverDataSource(new org.h2.Driver(), "jdbc:h2:mem:ordering", "sa", ""));
		}

	}

}
