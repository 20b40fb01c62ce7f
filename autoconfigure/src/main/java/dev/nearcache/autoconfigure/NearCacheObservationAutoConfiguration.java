package dev.nearcache.autoconfigure;

import io.lettuce.core.tracing.LettuceObservationContext;
import io.micrometer.observation.ObservationPredicate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.metrics.HeartbeatObservationPredicate;

/**
 * Keeps nearcache's heartbeats out of the observations of Lettuce commands (see
 * {@link HeartbeatObservationPredicate}). Spring Boot applies every {@link ObservationPredicate} bean to its
 * {@code ObservationRegistry}; without Micrometer Observation or Lettuce on the classpath there is nothing to keep
 * out.
 */
@AutoConfiguration(after = NearCacheAutoConfiguration.class)
@ConditionalOnClass({ ObservationPredicate.class, LettuceObservationContext.class })
@ConditionalOnBean(InvalidationStatistics.class)
public final class NearCacheObservationAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HeartbeatObservationPredicate nearCacheHeartbeatObservationPredicate(InvalidationStatistics statistics) {
		return new HeartbeatObservationPredicate(statistics.channel());
	}

}
