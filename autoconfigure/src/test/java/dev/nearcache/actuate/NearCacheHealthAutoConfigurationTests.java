package dev.nearcache.actuate;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.nearcache.autoconfigure.NearCacheAutoConfiguration;
import dev.nearcache.autoconfigure.NearCacheHealthAutoConfiguration;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.testsupport.CachingEnabled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When {@link NearCacheHealthAutoConfiguration} defines the health contributor, and how it is configured.
 */
class NearCacheHealthAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(CachingEnabled.class)
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class,
				NearCacheHealthAutoConfiguration.class))
		.withPropertyValues("nearcache.invalidation.enabled=false");

	@Test
	void contributorIsNamedNearcacheAndUpInLocalOnlyMode() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(NearCacheHealthIndicator.class);
			assertThat(context.getBeanNamesForType(NearCacheHealthIndicator.class))
				.containsExactly("nearcacheHealthIndicator");
			assertThat(context.getBean(NearCacheHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void contributorCanBeDisabled() {
		this.contextRunner.withPropertyValues("management.health.nearcache.enabled=false")
			.run((context) -> assertThat(context).hasSingleBean(NearCacheManager.class)
				.doesNotHaveBean(NearCacheHealthIndicator.class));
	}

	@Test
	void downWhenDisconnectedIsBound() {
		this.contextRunner.withPropertyValues("nearcache.health.down-when-disconnected=true")
			.run((context) -> assertThat(context.getBean(NearCacheHealthIndicator.class))
				.hasFieldOrPropertyWithValue("downWhenDisconnected", true));
	}

	@Test
	void nothingIsDefinedWithoutSpringBootHealth() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(ConditionalOnEnabledHealthIndicator.class))
			.run((context) -> assertThat(context).hasSingleBean(NearCacheManager.class)
				.doesNotHaveBean(NearCacheHealthIndicator.class));
	}

	@Test
	void nothingIsDefinedWhenNearcacheIsDisabled() {
		this.contextRunner.withPropertyValues("nearcache.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(NearCacheHealthIndicator.class));
	}

}
