package dev.nearcache.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;

/**
 * What is left of nearcache when it is off: a report of why, and, when {@code spring.cache.type} chose another
 * cache manager, a {@link NearCacheInvalidator} that does nothing, so that code injecting it still starts with
 * {@code spring.cache.type=none} (the usual way to switch caching off in tests). Without {@code @EnableCaching}
 * there is deliberately no invalidator: code relying on it to reach the other instances fails at startup instead
 * of silently invalidating nothing.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(NearCacheManager.class)
class NearCacheOffConfiguration {

	@Bean
	static NearCacheOffReport nearCacheOffReport(ConfigurableListableBeanFactory beanFactory, Environment environment) {
		return new NearCacheOffReport(beanFactory, environment);
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(SpringCacheTypeSet.class)
	NearCacheInvalidator nearCacheInvalidator() {
		NearCacheSettings unused = new NearCacheSettings("none", Duration.ofMinutes(1), Duration.ofMinutes(1), 0,
				false, false);
		return new NearCacheInvalidator(new NearCacheManager(unused, List.of(), true,
				new KeyCanonicalizer(List.of(), Set.of()), InvalidationPublisher.NONE));
	}

	static class SpringCacheTypeSet extends NoneNestedConditions {

		SpringCacheTypeSet() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@Conditional(SpringCacheTypeCondition.class)
		static class TypeNotSet {

		}

	}

}
