package dev.nearcache.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.RedisInvalidationPublisher;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;
import dev.nearcache.invalidation.ShardedChannels;
import dev.nearcache.invalidation.ShardedMonitors;
import dev.nearcache.invalidation.TransportState;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the choice of pub/sub ({@code nearcache.redis.pubsub}) and the sharded transport's wiring and
 * validation. Redis is configured on ports where nothing listens: the contexts must start regardless.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ShardedInvalidationConfigurationTests {

	private static final int UNUSED_PORT = unusedPort();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, NearCacheAutoConfiguration.class,
				CacheAutoConfiguration.class))
		.withUserConfiguration(CachingConfiguration.class)
		.withPropertyValues("spring.data.redis.timeout=500ms", "spring.data.redis.connect-timeout=500ms");

	private final ApplicationContextRunner standalone = this.runner
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + UNUSED_PORT);

	private final ApplicationContextRunner cluster = this.runner
		.withPropertyValues("spring.data.redis.cluster.nodes=127.0.0.1:" + UNUSED_PORT);

	@Test
	void classicIsTheDefaultEvenOnACluster() {
		this.cluster.run((context) -> {
			assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class)
				.hasSingleBean(RedisInvalidationPublisher.class)
				.doesNotHaveBean(ShardedMonitors.class);
		});
	}

	@Test
	void autoIsClassicWithoutAClusterConfiguration() {
		this.standalone.withPropertyValues("nearcache.redis.pubsub=auto").run((context) -> {
			assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class)
				.doesNotHaveBean(ShardedChannels.class);
		});
	}

	@Test
	void autoIsShardedOnAClusterConfigurationAndStartsWhileRedisIsDown() {
		this.cluster.withPropertyValues("nearcache.redis.pubsub=auto", "nearcache.channel=nearcache:shop")
			.run((context) -> {
				assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class)
					.hasSingleBean(RedisInvalidationPublisher.class)
					.hasSingleBean(ShardedMonitors.class);
				ShardedChannels channels = context.getBean(ShardedChannels.class);
				assertThat(channels.buckets()).isEqualTo(8);
				assertThat(channels.channel(3)).isEqualTo("nearcache:shop:3");
				assertThat(context.getBean(InvalidationStatistics.class).state()).isEqualTo(TransportState.CONNECTING);
			});
	}

	@Test
	void shardedOnANonClusterRedisFailsNamingThePropertyAndTheFix() {
		this.standalone.withPropertyValues("nearcache.redis.pubsub=sharded")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("nearcache.redis.pubsub")
				.hasMessageContaining("spring.data.redis.cluster.nodes")
				.hasMessageContaining("nearcache.redis.pubsub=classic"));
	}

	@Test
	void shardedChannelsMustBeAPowerOfTwo() {
		this.cluster.withPropertyValues("nearcache.redis.pubsub=sharded", "nearcache.redis.sharded-channels=6")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("nearcache.redis.sharded-channels")
				.hasMessageContaining("power of two"));
	}

	@Test
	void aHashTagInTheChannelIsRejectedInShardedMode() {
		this.cluster.withPropertyValues("nearcache.redis.pubsub=sharded", "nearcache.channel=nearcache:{shop}")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("nearcache.channel")
				.hasMessageContaining("hash tag"));
	}

	@Test
	void bucketOfACacheIsItsKeySlotModuloTheChannels() {
		ShardedChannels channels = new ShardedChannels("nearcache:catalog", 8);
		// CLUSTER KEYSLOT products = 10285 (CRC16-XMODEM mod 16384), 10285 mod 8 = 5
		assertThat(io.lettuce.core.cluster.SlotHash.getSlot("products")).isEqualTo(10285);
		assertThat(channels.bucketOf("products")).isEqualTo(5);
		assertThat(channels.channel(channels.bucketOf("products"))).isEqualTo("nearcache:catalog:5");
		assertThat(channels.slot(3)).isEqualTo(io.lettuce.core.cluster.SlotHash.getSlot("nearcache:catalog:3"));
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CachingConfiguration {

	}

}
