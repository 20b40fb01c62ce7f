package dev.nearcache.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.support.NoOpCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.annotation.CacheInvalidate;
import dev.nearcache.annotation.CacheInvalidateAdvisor;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.testsupport.CachingEnabled;
import dev.nearcache.testsupport.LogRecorder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for when nearcache backs off as Spring Boot's cache auto-configuration does: without
 * {@code @EnableCaching}, and whenever {@code spring.cache.type} is set. Redis is configured on a port where
 * nothing listens: a subscriber or publisher that started anyway would show as a bean.
 */
class NearCacheBackOffTests {

	private final LogRecorder log = LogRecorder.of(NearCacheOffReport.class);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, NearCacheAutoConfiguration.class,
				CacheInvalidateAutoConfiguration.class, CacheAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + unusedPort(),
				"spring.data.redis.timeout=500ms", "spring.data.redis.connect-timeout=500ms");

	@Test
	void springCacheTypeNoneGivesBootsNoOpCacheManagerAndNoTransport() {
		this.runner.withUserConfiguration(CachingEnabled.class, ProductWritesConfiguration.class)
			.withPropertyValues("spring.cache.type=none")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(CacheManager.class)).isInstanceOf(NoOpCacheManager.class);
				assertThat(context).doesNotHaveBean(NearCacheManager.class);
				assertThat(context).doesNotHaveBean(CacheInvalidateAdvisor.class);
				assertThat(transportBeans(context)).isEmpty();
				// Code injecting the invalidator still starts; with no near cache there is nothing to invalidate.
				NearCacheInvalidator invalidator = context.getBean(NearCacheInvalidator.class);
				invalidator.invalidate("products", 42L);
				invalidator.clear("products");
				invalidator.clearAll();
				assertThat(context.getBean(ProductWrites.class).update(42L)).isEqualTo("updated 42");
			});
		assertThat(reportLine()).startsWith("INFO ")
			.contains("nearcache: off because spring.cache.type=none selects one of Spring Boot's cache managers")
			.contains("ProductWrites.update()");
	}

	@Test
	void anySpringCacheTypeGivesTheManagerItNames() {
		this.runner.withUserConfiguration(CachingEnabled.class)
			.withPropertyValues("spring.cache.type=simple")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class);
				assertThat(context).doesNotHaveBean(NearCacheManager.class);
				assertThat(transportBeans(context)).isEmpty();
			});
	}

	@Test
	void withoutEnableCachingNothingRunsAndCacheInvalidateMethodsAreReported() {
		this.runner.withUserConfiguration(ProductWritesConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(CacheManager.class);
			assertThat(context).doesNotHaveBean(CacheInvalidateAdvisor.class);
			assertThat(context).as("no silent no-op: code that needs it fails at startup")
				.doesNotHaveBean(NearCacheInvalidator.class);
			assertThat(transportBeans(context)).isEmpty();
		});
		assertThat(reportLine()).startsWith("WARN ")
			.contains("nearcache: off because caching is not enabled (no @EnableCaching); @CacheInvalidate methods "
					+ "(such as ProductWrites.update()) run without invalidating any cache")
			.contains("Add @EnableCaching");
	}

	@Test
	void withoutEnableCachingOrAnnotatedMethodsTheReportIsInfo() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(CacheManager.class));
		assertThat(reportLine()).startsWith("INFO ")
			.contains("nearcache: off because caching is not enabled (no @EnableCaching).");
	}

	@Test
	void withEnableCachingAndNoCacheTypeNearcacheRuns() {
		this.runner.withUserConfiguration(CachingEnabled.class, ProductWritesConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(CacheManager.class)).isInstanceOf(NearCacheManager.class);
			assertThat(context).hasSingleBean(CacheInvalidateAdvisor.class);
			assertThat(transportBeans(context)).isNotEmpty();
		});
	}

	@AfterEach
	void stopRecording() {
		this.log.close();
	}

	private String reportLine() {
		return this.log.lines().stream().filter((line) -> line.contains("nearcache: off because")).findFirst().orElse("");
	}

	private static List<String> transportBeans(AssertableApplicationContext context) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		List<String> beans = new ArrayList<>();
		for (String name : beanFactory.getBeanDefinitionNames()) {
			Class<?> type = beanFactory.getType(name);
			if (type != null && type.getName().startsWith("dev.nearcache.invalidation.")) {
				beans.add(name + " (" + type.getName() + ")");
			}
		}
		return beans;
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	static class ProductWritesConfiguration {

		@Bean
		ProductWrites productWrites() {
			return new ProductWrites();
		}

	}

	static class ProductWrites {

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public String update(long id) {
			return "updated " + id;
		}

	}

}
