package dev.nearcache.integration;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link TransportContractTests} on sharded pub/sub: a Redis Cluster of three primaries (redis-server 7 or later,
 * for {@code SSUBSCRIBE}), a Lettuce pub/sub connection per bucket channel.
 */
class ShardedTransportTests extends TransportContractTests {

	private RedisClusterFixture cluster;

	@BeforeAll
	void startCluster() {
		String version = RedisServerProcess.version();
		assumeTrue(Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7,
				"sharded pub/sub needs redis-server 7 or later; found " + version);
		this.cluster = RedisClusterFixture.start(3, 0);
	}

	@AfterAll
	void stopCluster() {
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Override
	int redisPort() {
		return this.cluster.nodes().get(0).port();
	}

	@Override
	List<String> transportProperties() {
		return List.of("nearcache.redis.pubsub=sharded", "nearcache.redis.sharded-channels=8",
				"spring.data.redis.cluster.nodes=" + this.cluster.nodesProperty(),
				"spring.data.redis.lettuce.cluster.refresh.adaptive=true", "nearcache.heartbeat.interval=250ms",
				"nearcache.heartbeat.window=1s", "nearcache.invalidation.publish-timeout=500ms",
				"spring.data.redis.timeout=1s");
	}

}
