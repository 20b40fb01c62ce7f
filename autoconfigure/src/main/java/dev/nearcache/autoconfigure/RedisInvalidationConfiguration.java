package dev.nearcache.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationApplier;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.RedisInvalidationPublisher;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;

/**
 * The Redis pub/sub transport, on the application's own {@link RedisConnectionFactory}. nearcache never defines
 * a second connection factory bean: it would make Spring Boot's single-candidate conditions back off the
 * application's Redis template and listener container.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ RedisConnectionFactory.class, RedisMessageListenerContainer.class })
@ConditionalOnBooleanProperty(name = "nearcache.invalidation.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
class RedisInvalidationConfiguration {

	@Bean
	@ConditionalOnMissingBean(InvalidationPublisher.class)
	RedisInvalidationPublisher nearCacheInvalidationPublisher(RedisConnectionFactory connectionFactory,
			NearCacheProperties properties, InvalidationCodec codec, InvalidationStatistics statistics) {
		NearCacheProperties.Invalidation invalidation = properties.getInvalidation();
		requirePositive("nearcache.invalidation.max-pending-keys", invalidation.getMaxPendingKeys());
		return new RedisInvalidationPublisher(connectionFactory, statistics.channel(), statistics.instanceId(), codec,
				statistics, invalidation.getPublishTimeout(), invalidation.getShutdownTimeout(),
				invalidation.getMaxPendingKeys());
	}

	@Bean
	@ConditionalOnMissingBean
	InvalidationApplier nearCacheInvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics) {
		return new InvalidationApplier(cacheManager, codec, statistics);
	}

	@Bean
	@ConditionalOnMissingBean
	RedisInvalidationSubscriber nearCacheInvalidationSubscriber(RedisConnectionFactory connectionFactory,
			NearCacheManager cacheManager, InvalidationApplier applier, InvalidationStatistics statistics,
			NearCacheProperties properties) {
		NearCacheProperties.Invalidation invalidation = properties.getInvalidation();
		requirePositive("nearcache.invalidation.receive-queue-capacity", invalidation.getReceiveQueueCapacity());
		return new RedisInvalidationSubscriber(connectionFactory, statistics.channel(), cacheManager, applier,
				statistics, invalidation.getMaxRetryInterval(), invalidation.getReceiveQueueCapacity());
	}

	private static void requirePositive(String property, int value) {
		if (value <= 0) {
			throw new InvalidConfigurationPropertyValueException(property, value, "Must be positive");
		}
	}

}
