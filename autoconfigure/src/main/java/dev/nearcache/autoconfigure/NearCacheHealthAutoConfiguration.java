package dev.nearcache.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.nearcache.actuate.NearCacheHealthIndicator;
import dev.nearcache.invalidation.InvalidationStatistics;

/**
 * The {@code nearcache} health contributor, when Spring Boot's health module is present (it comes with
 * Actuator). Switched off with {@code management.health.nearcache.enabled=false}.
 */
@AutoConfiguration(after = NearCacheAutoConfiguration.class)
@ConditionalOnClass(ConditionalOnEnabledHealthIndicator.class)
@ConditionalOnBean(InvalidationStatistics.class)
@ConditionalOnEnabledHealthIndicator("nearcache")
@EnableConfigurationProperties(NearCacheHealthProperties.class)
public final class NearCacheHealthAutoConfiguration {

	/** Named so that the contributor is called {@code nearcache}. */
	@Bean
	@ConditionalOnMissingBean
	NearCacheHealthIndicator nearcacheHealthIndicator(InvalidationStatistics statistics,
			NearCacheHealthProperties properties) {
		return new NearCacheHealthIndicator(statistics, properties.isDownWhenDisconnected());
	}

}
