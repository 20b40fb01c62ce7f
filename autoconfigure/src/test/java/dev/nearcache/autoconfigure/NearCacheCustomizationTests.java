package dev.nearcache.autoconfigure;

import java.time.Duration;
import java.util.List;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.CaffeineSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheCaffeineCustomizer;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.testsupport.CachingEnabled;
import dev.nearcache.testsupport.LogRecorder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for how an application shapes nearcache's caches beyond properties: {@link NearCacheCaffeineCustomizer}
 * beans, {@code CacheManagerCustomizer<NearCacheManager>} beans, and the Caffeine configuration of Spring Boot's own
 * cache manager, which nearcache does not apply and says so.
 */
class NearCacheCustomizationTests {

	private final LogRecorder log = LogRecorder.of(NearCacheStartupReport.class);

	@AfterEach
	void stopRecording() {
		this.log.close();
	}

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class))
		.withUserConfiguration(CachingEnabled.class)
		.withPropertyValues("nearcache.invalidation.enabled=false", "nearcache.caches.products.maximum-size=100");

	@Test
	void caffeineCustomizerBeansShapeEveryCacheInOrder() {
		this.runner.withUserConfiguration(WeigherConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			NearCache products = context.getBean(NearCacheManager.class).findCache("products");
			assertThat(products.getNativeCache().policy().eviction().orElseThrow().getMaximum())
				.as("the later customizer's maximum weight").isEqualTo(2_000);
			assertThat(products.getSettings().maximumSize()).isEqualTo(100);
		});
	}

	@Test
	void caffeineCustomizerSettingExpireAfterAccessFailsStartupSayingWhy() {
		this.runner.withUserConfiguration(ExpireAfterAccessConfiguration.class)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("expireAfterAccess cannot be used on a near cache")
				.hasMessageContaining("fixed time after write"));
	}

	@Test
	void cacheManagerCustomizerCanFixTheCachesAndTheirNullHandling() {
		this.runner.withUserConfiguration(ManagerCustomizerConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("products", "orders");
			assertThat(manager.isDynamic()).isFalse();
			assertThat(manager.getCache("unknown")).isNull();
			assertThat(manager.findCache("orders").isAllowNullValues()).isFalse();
			assertThat(manager.findCache("products").getNativeCache().policy().eviction().orElseThrow().getMaximum())
				.isEqualTo(5);
		});
	}

	@Test
	void springCacheCaffeineSpecIsNotSilentlyIgnored() {
		this.runner.withPropertyValues("spring.cache.caffeine.spec=maximumSize=5,expireAfterAccess=1m")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(this.log.lines()).anySatisfy((line) -> assertThat(line).startsWith("WARN ")
			.contains("nearcache: spring.cache.caffeine.spec is not applied to near caches")
			.contains("NearCacheCaffeineCustomizer"));
	}

	@Test
	void caffeineAndCaffeineSpecBeansAreNotSilentlyIgnored() {
		this.runner.withUserConfiguration(CaffeineBeansConfiguration.class)
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(this.log.lines()).anySatisfy((line) -> assertThat(line)
			.startsWith("WARN nearcache: the Caffeine bean 'myCaffeine' is not applied to near caches")
			.contains("declare a NearCacheCaffeineCustomizer bean"));
		assertThat(this.log.lines()).anySatisfy((line) -> assertThat(line)
			.startsWith("WARN nearcache: the CaffeineSpec bean 'mySpec' is not applied to near caches"));
	}

	@Configuration(proxyBeanMethods = false)
	static class WeigherConfiguration {

		@Bean
		@Order(1)
		NearCacheCaffeineCustomizer first() {
			return (settings, options) -> options.weigher((Object key, Object value) -> 1, 1_000);
		}

		@Bean
		@Order(2)
		NearCacheCaffeineCustomizer second() {
			return (settings, options) -> options.weigher((Object key, Object value) -> 1, 2_000)
				.initialCapacity(16);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ExpireAfterAccessConfiguration {

		@Bean
		NearCacheCaffeineCustomizer expireAfterAccess() {
			return (settings, options) -> options.expireAfterAccess(Duration.ofMinutes(10));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ManagerCustomizerConfiguration {

		@Bean
		CacheManagerCustomizer<NearCacheManager> fixedCaches() {
			return (manager) -> {
				manager.setCacheNames(List.of("orders"));
				manager.setAllowNullValues(false);
				manager.addCaffeineCustomizer((settings, options) -> options.weigher((Object key, Object value) -> 1, 5));
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CaffeineBeansConfiguration {

		@Bean
		Caffeine<Object, Object> myCaffeine() {
			return Caffeine.newBuilder().maximumSize(10);
		}

		@Bean
		CaffeineSpec mySpec() {
			return CaffeineSpec.parse("maximumSize=10");
		}

	}

}
