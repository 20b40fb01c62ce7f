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
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationApplier;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.RedisInvalidationPublisher;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;
import dev.nearcache.invalidation.ShardedChannels;
import dev.nearcache.invalidation.ShardedMonitors;

/**
 * The sharded pub/sub transport ({@code nearcache.redis.pubsub=sharded}, or 'auto' on a cluster configuration):
 * publishes through the application's cluster connection factory and subscribes with Lettuce's cluster client
 * directly, since Spring Data Redis' listener container cannot subscribe to sharded channels. The publisher and
 * subscriber are the classic mode's, with the sharded bindings.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(value = RedisConnectionFactory.class, name = "io.lettuce.core.cluster.RedisClusterClient")
@ConditionalOnBooleanProperty(name = "nearcache.invalidation.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(RedisConnectionFactory.class)
@Conditional(PubSubModeCondition.Sharded.class)
class ShardedInvalidationConfiguration {

	@Bean
	@ConditionalOnMissingBean
	InvalidationConnection nearCacheInvalidationConnection(RedisConnectionFactory connectionFactory,
			NearCacheProperties properties, BeanFactory beanFactory) {
		return InvalidationConnection.of(connectionFactory, properties.getRedis(), beanFactory);
	}

	@Bean
	@ConditionalOnMissingBean
	ShardedChannels nearCacheShardedChannels(RedisConnectionFactory connectionFactory, InvalidationStatistics statistics,
			NearCacheProperties properties) {
		requireCluster(connectionFactory);
		int buckets = properties.getRedis().getShardedChannels();
		if (buckets <= 0 || Integer.bitCount(buckets) != 1 || buckets > 16384) {
			throw new InvalidConfigurationPropertyValueException("nearcache.redis.sharded-channels", buckets,
					"Must be a power of two between 1 and 16384, e.g. 8 or 16, so that any client computes a cache's "
							+ "channel as CLUSTER KEYSLOT(cache) mod channels");
		}
		if (statistics.channel().matches(".*\\{[^}]+\\}.*")) {
			throw new InvalidConfigurationPropertyValueException("nearcache.channel", statistics.channel(),
					"Must not contain a hash tag ({...}) in sharded mode: every channel would hash to one slot and one "
							+ "shard. Remove the braces");
		}
		return new ShardedChannels(statistics.channel(), buckets);
	}

	@Bean
	@ConditionalOnMissingBean
	ShardedMonitors nearCacheShardedMonitors(ShardedChannels channels, NearCacheManager cacheManager,
			InvalidationStatistics statistics, NearCacheProperties properties,
			ObjectProvider<RedisInvalidationPublisher> publisher) {
		RedisInvalidationConfiguration.requirePositive("nearcache.degraded.ttl", properties.getDegraded().getTtl());
		return new ShardedMonitors(cacheManager, statistics, channels,
				properties.getDegraded().getMode(), properties.getDegraded().getTtl(),
				RedisInvalidationConfiguration.window(properties),
				(bucket) -> publisher.ifAvailable((p) -> p.heartbeatNow(bucket)),
				RedisInvalidationConfiguration.clearCoalesceWindow(properties));
	}

	@Bean
	@ConditionalOnMissingBean(InvalidationPublisher.class)
	RedisInvalidationPublisher nearCacheInvalidationPublisher(InvalidationConnection connection,
			ShardedChannels channels, ObjectProvider<ShardedMonitors> monitors, NearCacheProperties properties, InvalidationCodec codec,
			InvalidationStatistics statistics) {
		NearCacheProperties.Invalidation invalidation = properties.getInvalidation();
		RedisInvalidationConfiguration.requirePositive("nearcache.invalidation.max-pending-keys",
				invalidation.getMaxPendingKeys());
		RedisInvalidationConfiguration.requirePositive("nearcache.heartbeat.interval",
				properties.getHeartbeat().getInterval());
		RedisInvalidationConfiguration.requirePositive("nearcache.invalidation.publish-timeout",
				invalidation.getPublishTimeout());
		return RedisInvalidationPublisher.sharded(connection.connectionFactory(), channels, monitors::getObject,
				statistics.instanceId(), codec,
				statistics, invalidation.getPublishTimeout(), invalidation.getShutdownTimeout(),
				invalidation.getMaxPendingKeys(), properties.getHeartbeat().getInterval());
	}

	@Bean
	@ConditionalOnMissingBean
	InvalidationApplier nearCacheInvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics, NearCacheProperties properties) {
		// No instance-wide monitor: each message is checked by the monitor of the channel it arrived on.
		return new InvalidationApplier(cacheManager, codec, statistics, null,
				RedisInvalidationConfiguration.clearCoalesceWindow(properties));
	}

	@Bean
	@ConditionalOnMissingBean
	RedisInvalidationSubscriber nearCacheInvalidationSubscriber(InvalidationConnection connection,
			ShardedMonitors monitors, InvalidationApplier applier, InvalidationStatistics statistics,
			NearCacheProperties properties) {
		NearCacheProperties.Invalidation invalidation = properties.getInvalidation();
		RedisInvalidationConfiguration.requirePositive("nearcache.invalidation.receive-queue-capacity",
				invalidation.getReceiveQueueCapacity());
		LettuceConnectionFactory lettuce = requireCluster(connection.connectionFactory());
		Duration checkInterval = RedisInvalidationConfiguration.window(properties).dividedBy(3);
		return RedisInvalidationSubscriber.sharded(lettuce::getNativeClient, monitors, applier, statistics,
				invalidation.getPublishTimeout(), invalidation.getMaxRetryInterval(), checkInterval,
				invalidation.getReceiveQueueCapacity());
	}

	private static LettuceConnectionFactory requireCluster(RedisConnectionFactory connectionFactory) {
		if (connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware()) {
			return lettuce;
		}
		throw new InvalidConfigurationPropertyValueException("nearcache.redis.pubsub", "sharded",
				"Sharded pub/sub needs a Redis Cluster reached through Lettuce (spring.data.redis.cluster.nodes, "
						+ "spring.data.redis.client-type=lettuce); this application's connection factory is a "
						+ connectionFactory.getClass().getSimpleName() + " to a non-cluster Redis. Set "
						+ "nearcache.redis.pubsub=classic (or auto)");
	}

}
