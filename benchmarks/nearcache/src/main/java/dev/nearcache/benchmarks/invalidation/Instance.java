package dev.nearcache.benchmarks.invalidation;

import java.time.Duration;
import java.util.List;

import dev.nearcache.autoconfigure.NearCacheProperties;
import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;
import dev.nearcache.invalidation.ChannelMonitor;
import dev.nearcache.invalidation.InvalidationApplier;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.RedisInvalidationPublisher;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;
import dev.nearcache.invalidation.TransportState;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * One nearcache instance wired as the starter's auto-configuration wires it (RedisInvalidationConfiguration,
 * NearCacheManagerConfiguration) with the default properties: its own Lettuce connection factory, publisher,
 * listener container, applier and channel monitor. Several instances in one JVM share only the Redis server and
 * the clock.
 */
final class Instance implements AutoCloseable {

	static final String CHANNEL = "nearcache:bench";

	static final String CACHE = "bench";

	static final NearCacheSettings SETTINGS = new NearCacheSettings(CACHE, Duration.ofMinutes(5),
			Duration.ofSeconds(30), 100_000, true, true);

	final LettuceConnectionFactory connectionFactory;

	final InvalidationStatistics statistics;

	final InvalidationCodec codec = new InvalidationCodec(64 * 1024);

	final RedisInvalidationPublisher publisher;

	final NearCacheManager cacheManager;

	final RedisInvalidationSubscriber subscriber;

	final NearCacheInvalidator invalidator;

	final NearCache cache;

	private Instance(int port, String id, ApplierFactory applierFactory) {
		this.connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port));
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		this.statistics = new InvalidationStatistics(id, CHANNEL, TransportState.LOCAL_ONLY);
		// The defaults of NearCacheProperties of the nearcache jar on the class path (heartbeat 1 s).
		NearCacheProperties.Invalidation defaults = new NearCacheProperties().getInvalidation();
		this.publisher = new RedisInvalidationPublisher(this.connectionFactory, CHANNEL, id, this.codec,
				this.statistics, defaults.getPublishTimeout(), defaults.getShutdownTimeout(),
				defaults.getMaxPendingKeys(), Duration.ofSeconds(1));
		this.cacheManager = new NearCacheManager(SETTINGS, List.of(SETTINGS), true, new KeyCanonicalizer(),
				this.publisher);
		ChannelMonitor monitor = new ChannelMonitor(this.cacheManager, this.statistics, DegradedMode.SHORT_TTL,
				Duration.ofSeconds(5), Duration.ofSeconds(3), this.publisher::heartbeatNow);
		InvalidationApplier applier = applierFactory.create(this.cacheManager, this.codec, this.statistics, monitor);
		this.subscriber = new RedisInvalidationSubscriber(this.connectionFactory, CHANNEL, applier, monitor,
				this.statistics, Duration.ofSeconds(5), Duration.ofSeconds(1), defaults.getReceiveQueueCapacity());
		this.invalidator = new NearCacheInvalidator(this.cacheManager);
		this.cache = this.cacheManager.getCache(CACHE);
		this.publisher.start();
		this.subscriber.start();
	}

	static Instance start(int port, String id) {
		return start(port, id, InvalidationApplier::new);
	}

	static Instance start(int port, String id, ApplierFactory applierFactory) {
		return new Instance(port, id, applierFactory);
	}

	/** Wait until the own heartbeat came back (the channel is proven, caches are no longer degraded). */
	void awaitSubscribed() throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (this.statistics.state() != TransportState.SUBSCRIBED) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(this.statistics.instanceId() + " not subscribed: " + this.statistics.state());
			}
			Thread.sleep(20);
		}
	}

	@Override
	public void close() {
		this.subscriber.stop();
		this.publisher.stop();
		try {
			this.subscriber.destroy();
		}
		catch (Exception ex) {
			// shutting down
		}
		this.connectionFactory.stop();
		this.connectionFactory.destroy();
	}

	@FunctionalInterface
	interface ApplierFactory {

		InvalidationApplier create(NearCacheManager cacheManager, InvalidationCodec codec,
				InvalidationStatistics statistics, ChannelMonitor monitor);

	}


}
