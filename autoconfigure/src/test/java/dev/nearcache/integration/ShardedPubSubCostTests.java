package dev.nearcache.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.nearcache.invalidation.ShardedChannels;
import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Cost per invalidation message on a Redis Cluster in classic and sharded mode, for docs/scaling.md: three
 * instances subscribed, heartbeats quiet, and {@value #MESSAGES} invalidations of one cache published (as a
 * foreign publisher would, to the channel the mode uses); the cluster's counters are read before and after. Run on
 * demand ({@code -Dnearcache.measure=true}), since it forms four clusters.
 */
@EnabledIfSystemProperty(named = "nearcache.measure", matches = "true")
class ShardedPubSubCostTests {

	private static final int MESSAGES = 2000;

	private static final byte[] PAYLOAD = "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"cost-test\",\"cache\":\"products\",\"keys\":[\"424242\"]}"
		.getBytes(StandardCharsets.UTF_8);

	@BeforeAll
	static void requireRedis7() {
		String version = RedisServerProcess.version();
		assumeTrue(Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7,
				"sharded pub/sub needs redis-server 7 or later; found " + version);
	}

	@ParameterizedTest(name = "{0} primaries, {1}")
	@CsvSource({ "3, classic", "3, sharded", "6, classic", "6, sharded" })
	void costPerInvalidation(int primaries, String mode) {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		List<Instance> instances = new ArrayList<>();
		try (RedisClusterFixture cluster = RedisClusterFixture.start(primaries, 1)) {
			for (int i = 0; i < 3; i++) {
				instances.add(Instance.start(cluster.nodes().get(0).port(), "nearcache.redis.pubsub=" + mode,
						"spring.data.redis.cluster.nodes=" + cluster.nodesProperty(), "nearcache.heartbeat.interval=30s",
						"nearcache.heartbeat.window=90s"));
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> instances.stream().allMatch(Instance::subscribed));
			String base = instances.get(0).statistics().channel();
			String channel = mode.equals("sharded") ? new ShardedChannels(base, 8).channel(new ShardedChannels(base, 8)
				.bucketOf("products")) : base;
			RedisClusterClient client = RedisClusterClient.create(RedisURI.create(cluster.nodes().get(0).redisUri()));
			try (StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
				RedisAdvancedClusterCommands<byte[], byte[]> commands = connection.sync();
				byte[] name = channel.getBytes(StandardCharsets.UTF_8);
				publish(commands, mode, name, 200);
				long[] received = instances.stream().mapToLong((i) -> i.statistics().received()).toArray();
				long bus = busMessages(cluster);
				long output = cluster.sum("total_net_output_bytes");
				long input = cluster.sum("total_net_input_bytes");
				double cpu = cpuSeconds(cluster);
				long started = System.nanoTime();
				publish(commands, mode, name, MESSAGES);
				for (int i = 0; i < instances.size(); i++) {
					long before = received[i];
					Instance instance = instances.get(i);
					await().atMost(Duration.ofSeconds(30))
						.until(() -> instance.statistics().received() - before >= MESSAGES);
				}
				long elapsedMicros = (System.nanoTime() - started) / 1000;
				double perBus = (busMessages(cluster) - bus) / (double) MESSAGES;
				double perOutput = (cluster.sum("total_net_output_bytes") - output) / (double) MESSAGES;
				double perInput = (cluster.sum("total_net_input_bytes") - input) / (double) MESSAGES;
				double perCpu = (cpuSeconds(cluster) - cpu) * 1_000_000 / MESSAGES;
				System.out.printf("COST %s, %d primaries + %d replicas, 3 subscribers: %.2f cluster-bus messages, "
						+ "%.0f B client output, %.0f B client input, %.1f us Redis CPU (all nodes) per invalidation; "
						+ "%d messages in %d ms%n", mode, primaries, primaries, perBus, perOutput, perInput, perCpu,
						MESSAGES, elapsedMicros / 1000);
				if (mode.equals("sharded")) {
					assertThat(perBus).as("a sharded message only reaches its shard's replica").isLessThanOrEqualTo(1.1);
				}
				else {
					assertThat(perBus).as("a classic message crosses every other node")
						.isGreaterThanOrEqualTo(2 * primaries - 1.1);
				}
			}
			finally {
				client.shutdown();
			}
		}
		finally {
			instances.forEach(Instance::close);
		}
	}

	private static void publish(RedisAdvancedClusterCommands<byte[], byte[]> commands, String mode, byte[] channel,
			int count) {
		for (int i = 0; i < count; i++) {
			if (mode.equals("sharded")) {
				commands.spublish(channel, PAYLOAD);
			}
			else {
				commands.publish(channel, PAYLOAD);
			}
		}
	}

	private static long busMessages(RedisClusterFixture cluster) {
		return cluster.sum("cluster_stats_messages_publish_sent") + cluster.sum("cluster_stats_messages_publishshard_sent");
	}

	private static double cpuSeconds(RedisClusterFixture cluster) {
		double sum = 0;
		for (RedisServerProcess node : cluster.running()) {
			for (String line : cluster.commands(node).info("cpu").lines().toList()) {
				if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
					sum += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
				}
			}
		}
		return sum;
	}

}
