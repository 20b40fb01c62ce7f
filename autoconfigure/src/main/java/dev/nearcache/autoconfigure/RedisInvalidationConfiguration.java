package dev.nearcache.autoconfigure;

import java.time.Duration;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.ChannelMonitor;
import dev.nearcache.invalidation.InvalidationApplier;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.RedisInvalidationPublisher;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;

/**
 * The Redis pub/sub transport, on the application's own {@link RedisConnectionFactory}, or on a connection of
 * nearcache's own with its own credentials ({@code nearcache.redis.*}, see {@link InvalidationConnection}).
 * nearcache never defines a second connection factory bean: it would make Spring Boot's single-candidate
 * conditions back off the application's Redis template and listener container.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ RedisConnectionFactory.class, RedisMessageListenerContainer.class })
@ConditionalOnBooleanProperty(name = "nearcache.invalidation.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
@Conditional(PubSubModeCondition.Classic.class)
class RedisInvalidationConfiguration {

	@Bean
	@ConditionalOnMissingBean
	InvalidationConnection nearCacheInvalidationConnection(RedisConnectionFactory connectionFactory,
			NearCacheProperties properties, BeanFactory beanFactory) {
		return InvalidationConnection.of(connectionFactory, properties.getRedis(), beanFactory);
	}

	@Bean
	@ConditionalOnMissingBean(InvalidationPublisher.class)
	RedisInvalidationPublisher nearCacheInvalidationPublisher(InvalidationConnection connection,
			NearCacheProperties properties, InvalidationCodec codec, InvalidationStatistics statistics) {
		NearCacheProperties.Invalidation invalidation = properties.getInvalidation();
		requirePositive("nearcache.invalidation.max-pending-keys", invalidation.getMaxPendingKeys());
		requirePositive("nearcache.heartbeat.interval", properties.getHeartbeat().getInterval());
		requirePositive("nearcache.invalidation.publish-timeout", invalidation.getPublishTimeout());
		return new RedisInvalidationPublisher(connection.connectionFactory(), statistics.channel(),
				statistics.instanceId(), codec, statistics, invalidation.getPublishTimeout(),
				invalidation.getShutdownTimeout(), invalidation.getMaxPendingKeys(),
				properties.getHeartbeat().getInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	ChannelMonitor nearCacheChannelMonitor(NearCacheManager cacheManager, InvalidationStatistics statistics,
			NearCacheProperties properties, ObjectProvider<RedisInvalidationPublisher> publisher) {
		requirePositive("nearcache.degraded.ttl", properties.getDegraded().getTtl());
		return new ChannelMonitor(cacheManager, statistics, properties.getDegraded().getMode(),
				properties.getDegraded().getTtl(), window(properties),
				() -> publisher.ifAvailable(RedisInvalidationPublisher::heartbeatNow), clearCoalesceWindow(properties));
	}

	@Bean
	@ConditionalOnMissingBean
	InvalidationApplier nearCacheInvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics, ChannelMonitor monitor, NearCacheProperties properties) {
		return new InvalidationApplier(cacheManager, codec, statistics, monitor, clearCoalesceWindow(properties));
	}

	@Bean
	@ConditionalOnMissingBean
	RedisInvalidationSubscriber nearCacheInvalidationSubscriber(InvalidationConnection connection,
			InvalidationApplier applier, ChannelMonitor monitor, InvalidationStatistics statistics,
			NearCacheProperties properties) {
		NearCacheProperties.Invalidation invalidation = properties.getInvalidation();
		requirePositive("nearcache.invalidation.receive-queue-capacity", invalidation.getReceiveQueueCapacity());
		Duration checkInterval = window(properties).dividedBy(3);
		return new RedisInvalidationSubscriber(connection.connectionFactory(), statistics.channel(), applier, monitor,
				statistics, invalidation.getMaxRetryInterval(), checkInterval, invalidation.getReceiveQueueCapacity());
	}

	static Duration window(NearCacheProperties properties) {
		Duration window = properties.getHeartbeat().getWindow();
		if (window == null) {
			return properties.getHeartbeat().getInterval().multipliedBy(3);
		}
		requirePositive("nearcache.heartbeat.window", window);
		if (window.compareTo(properties.getHeartbeat().getInterval()) <= 0) {
			throw new InvalidConfigurationPropertyValueException("nearcache.heartbeat.window", window,
					"Must be longer than nearcache.heartbeat.interval (" + properties.getHeartbeat().getInterval()
							+ "), e.g. three intervals, or a working subscription would be taken for a dead one");
		}
		return window;
	}

	static Duration clearCoalesceWindow(NearCacheProperties properties) {
		Duration window = properties.getInvalidation().getClearCoalesceWindow();
		if (window.isNegative()) {
			throw new InvalidConfigurationPropertyValueException("nearcache.invalidation.clear-coalesce-window",
					window, "Must not be negative: use a short duration such as 100ms, or 0 to apply every clear at once");
		}
		return window;
	}

	static void requirePositive(String property, int value) {
		if (value <= 0) {
			throw new InvalidConfigurationPropertyValueException(property, value, "Must be positive");
		}
	}

	static void requirePositive(String property, Duration value) {
		if (value.isZero() || value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(property, value, "Must be a positive duration");
		}
	}

}
