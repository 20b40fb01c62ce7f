package dev.nearcache.autoconfigure;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.framework.Advised;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.audit.CacheAuditAdvisor;
import dev.nearcache.audit.CacheValueComparator;
import dev.nearcache.audit.JsonTreeComparator;
import dev.nearcache.audit.StaleReadAuditor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CacheAuditConfiguration}, local-only (no Redis needed).
 */
@ExtendWith(OutputCaptureExtension.class)
class CacheAuditConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class))
		.withUserConfiguration(Reads.class)
		.withPropertyValues("nearcache.invalidation.enabled=false");

	/** Levels are global: a context started earlier in this JVM may have raised them above INFO. */
	@BeforeEach
	void logStartupLinesAtInfo() {
		LoggingSystem.get(getClass().getClassLoader())
			.setLogLevel(CacheAuditConfiguration.class.getName(), LogLevel.INFO);
	}

	@AfterEach
	void restoreLogLevels() {
		LoggingSystem.get(getClass().getClassLoader()).setLogLevel(CacheAuditConfiguration.class.getName(), null);
	}

	@Test
	void auditIsOffByDefaultAndLeavesProxiesAsTheyWere(CapturedOutput output) {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(CacheAuditAdvisor.class).hasSingleBean(StaleReadAuditor.class);
			assertThat(context.getBean("nearCacheValueComparator")).isInstanceOf(JsonTreeComparator.class);
			assertThat(advisorsOf(context.getBean(Reads.Service.class))).noneMatch(CacheAuditAdvisor.class::isInstance);
		});
		assertThat(output).doesNotContain("Stale-read audit on");
	}

	@Test
	void auditedCacheGetsTheAdvisorAndAStartupLine(CapturedOutput output) {
		this.runner.withPropertyValues("nearcache.caches.products.audit.sample-rate=0.001").run((context) -> {
			assertThat(advisorsOf(context.getBean(Reads.Service.class))).anyMatch(CacheAuditAdvisor.class::isInstance);
		});
		assertThat(output).contains("Stale-read audit on: products 0.1% report");
		assertThat(output).doesNotContain("nearcache.defaults.audit.sample-rate");
	}

	@Test
	void defaultSampleRateWarnsThatEveryMethodRunsAgain(CapturedOutput output) {
		this.runner.withPropertyValues("nearcache.defaults.audit.sample-rate=0.01").run((context) -> {
			assertThat(context).hasNotFailed();
		});
		assertThat(output).contains("WARN").contains("nearcache.defaults.audit.sample-rate=0.01: every @Cacheable "
				+ "method of every near cache will be invoked again for 1% of its hits");
	}

	@Test
	void identityEqualsValuesOfAnAuditedCacheAreNamedAtStartup(CapturedOutput output) {
		this.runner.withPropertyValues("nearcache.caches.products.audit.sample-rate=1").run((context) -> {
			assertThat(context).hasNotFailed();
		});
		assertThat(output).contains("Audited cache 'products' holds " + Reads.Product.class.getName()
				+ ", which has no equals of its own");
	}

	@Test
	void sampleRateOutsideZeroToOneFailsWithThePropertyName() {
		this.runner.withPropertyValues("nearcache.caches.products.audit.sample-rate=1.5").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("nearcache.caches.products.audit.sample-rate")
				.hasMessageContaining("Must be between 0");
		});
	}

	@Test
	void unknownComparatorBeanFailsWithThePropertyName() {
		this.runner
			.withPropertyValues("nearcache.caches.products.audit.sample-rate=1",
					"nearcache.caches.products.audit.comparator=noSuchComparator")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("nearcache.caches.products.audit.comparator")
					.hasMessageContaining("noSuchComparator");
			});
	}

	@Test
	void applicationComparatorReplacesTheJsonDefault() {
		this.runner.withBean("nearCacheValueComparator", CacheValueComparator.class, () -> (cached, fresh) -> true)
			.run((context) -> assertThat(context.getBean("nearCacheValueComparator"))
				.isNotInstanceOf(JsonTreeComparator.class));
	}

	private static Object[] advisorsOf(Object bean) {
		return (bean instanceof Advised advised) ? advised.getAdvisors() : new Object[0];
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class Reads {

		@Bean
		Service service() {
			return new Service();
		}

		static class Service {

			@Cacheable("products")
			public Product find(Long id) {
				return new Product();
			}

		}

		static class Product {

		}

	}

}
