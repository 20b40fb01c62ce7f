package dev.nearcache.integration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import dev.nearcache.invalidation.ShardedChannels;
import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Measures what one invalidation costs the Redis side in classic pub/sub: three real instances subscribed,
 * one of them invalidating one key at a time, on a standalone Redis and on clusters of 3 and 6 primaries; and,
 * with Redis 7 or later, the same clusters in sharded mode ({@code nearcache.redis.pubsub=sharded}; bus messages
 * then include {@code cluster_stats_messages_publishshard_sent}).
 * <p>
 * Per node it reads {@code INFO stats} (client bytes in and out, replication bytes), {@code CLUSTER INFO}
 * (bus messages) and {@code /proc/<pid>/io} {@code wchar} (every byte the process wrote: clients, replication
 * and the cluster bus, which Redis does not count in {@code INFO}); bus bytes are {@code wchar} minus client
 * and replication output. Each figure is the delta over the run, less an idle period of the same length
 * (cluster pings, the measuring commands themselves), divided by the number of invalidations.
 * <p>
 * Slow-ish (about a minute) and only informative, so it runs only with {@code -Dnearcache.measure=true}:
 * {@code ./mvnw -pl autoconfigure test -Dtest=ClusterInvalidationCostMeasurement -Dnearcache.measure=true}.
 * The figures in docs/scaling.md come from this class.
 */
@Tag("measurement")
@EnabledIfSystemProperty(named = "nearcache.measure", matches = "true")
@EnabledOnOs(OS.LINUX)
class ClusterInvalidationCostMeasurement {

	private static final int INVALIDATIONS = 2000;

	private static final String[] QUIET = { "nearcache.heartbeat.interval=1h", "spring.data.redis.timeout=2s" };

	@Test
	void measure() throws IOException {
		List<String> rows = new ArrayList<>();
		rows.add("| topology | nodes | bus messages / inv. | bus bytes / inv. | client bytes in / inv. "
				+ "| client bytes out / inv. | replication bytes / inv. | payload bytes |");
		rows.add("| --- | --- | --- | --- | --- | --- | --- | --- |");
		try (RedisServerProcess standalone = RedisServerProcess.start()) {
			rows.add(row("standalone", List.of(standalone), null, (port) -> List.of("spring.data.redis.host=127.0.0.1",
					"spring.data.redis.port=" + port)));
		}
		for (int[] shape : new int[][] { { 3, 0 }, { 3, 1 }, { 6, 0 }, { 6, 1 } }) {
			try (RedisClusterFixture cluster = RedisClusterFixture.start(shape[0], shape[1])) {
				rows.add(row(shape[0] + " primaries, " + shape[1] + " replica each", cluster.nodes(), cluster,
						(port) -> List.of("spring.data.redis.cluster.nodes=" + cluster.nodesProperty())));
			}
		}
		if (Integer.parseInt(RedisServerProcess.version().split("\\.")[0]) >= 7) {
			for (int[] shape : new int[][] { { 3, 0 }, { 3, 1 }, { 6, 0 }, { 6, 1 } }) {
				try (RedisClusterFixture cluster = RedisClusterFixture.start(shape[0], shape[1])) {
					rows.add(row(shape[0] + " primaries, " + shape[1] + " replica each, sharded", cluster.nodes(),
							cluster, (port) -> List.of("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
									"nearcache.redis.pubsub=sharded")));
				}
			}
		}
		String table = String.join(System.lineSeparator(), rows) + System.lineSeparator();
		System.out.println("Redis " + RedisServerProcess.version() + ", " + INVALIDATIONS
				+ " invalidations of one key, 3 instances subscribed" + System.lineSeparator() + table);
		Path out = Path.of("target", "cluster-invalidation-cost.md");
		Files.createDirectories(out.getParent());
		Files.writeString(out, table, StandardCharsets.UTF_8);
	}

	private String row(String topology, List<RedisServerProcess> nodes, RedisClusterFixture cluster,
			java.util.function.IntFunction<List<String>> connection) {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		RedisClient client = RedisClient.create();
		Map<RedisServerProcess, StatefulRedisConnection<String, String>> connections = new LinkedHashMap<>();
		List<Instance> instances = new ArrayList<>();
		try {
			for (RedisServerProcess node : nodes) {
				connections.put(node, client.connect(RedisURI.create(node.host(), node.port())));
			}
			for (int i = 0; i < 3; i++) {
				List<String> properties = new ArrayList<>(List.of(QUIET));
				properties.addAll(connection.apply(nodes.get(0).port()));
				instances.add(Instance.start(nodes.get(0).port(), properties.toArray(String[]::new)));
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> instances.stream().allMatch(Instance::subscribed));
			Instance writer = instances.get(0);
			boolean sharded = writer.context.getBeansOfType(ShardedChannels.class).size() == 1;
			String channel = sharded ? shardedChannel(writer, "products") : writer.statistics().channel();
			int payload = sharded ? samplePayloadSize(client, nodes, channel, writer)
					: samplePayloadSize(client, nodes.get(nodes.size() - 1), channel, writer);
			invalidate(writer, 1, 100);

			Map<String, Long> idle0 = snapshot(connections, cluster != null);
			long idleStart = System.nanoTime();
			LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
			Map<String, Long> idle1 = snapshot(connections, cluster != null);
			long idleNanos = System.nanoTime() - idleStart;

			Map<String, Long> run0 = snapshot(connections, cluster != null);
			long runStart = System.nanoTime();
			invalidate(writer, 1_000, INVALIDATIONS);
			Map<String, Long> run1 = snapshot(connections, cluster != null);
			long runNanos = System.nanoTime() - runStart;
			LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
			for (Instance instance : instances.subList(1, 3)) {
				assertThat(instance.statistics().received()).as("every invalidation arrived")
					.isGreaterThanOrEqualTo(INVALIDATIONS);
			}

			Map<String, Double> perInvalidation = new HashMap<>();
			for (String field : run1.keySet()) {
				double idleRate = (double) (idle1.get(field) - idle0.get(field)) / idleNanos;
				double delta = (run1.get(field) - run0.get(field)) - idleRate * runNanos;
				perInvalidation.put(field, Math.max(0, delta / INVALIDATIONS));
			}
			double busBytes = Math.max(0, perInvalidation.get("wchar") - perInvalidation.get("total_net_output_bytes")
					- perInvalidation.get("total_net_repl_output_bytes"));
			return String.format("| %s | %d | %.1f | %.0f | %.0f | %.0f | %.0f | %d |", topology, nodes.size(),
					perInvalidation.getOrDefault("cluster_stats_messages_publish_sent", 0.0)
							+ perInvalidation.getOrDefault("cluster_stats_messages_publishshard_sent", 0.0), busBytes,
					perInvalidation.get("total_net_input_bytes"), perInvalidation.get("total_net_output_bytes"),
					perInvalidation.get("total_net_repl_output_bytes"), payload);
		}
		finally {
			instances.forEach(Instance::close);
			connections.values().forEach(StatefulRedisConnection::close);
			client.shutdown();
		}
	}

	/** One key per invalidation: wait until each is published before the next, so none are batched. */
	private static void invalidate(Instance writer, long from, int count) {
		for (long id = from; id < from + count; id++) {
			long published = writer.statistics().published();
			writer.service().delete(id);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
			while (writer.statistics().published() == published) {
				assertThat(System.nanoTime()).as("published within 5 s").isLessThan(deadline);
				LockSupport.parkNanos(50_000);
			}
		}
	}

	/** The size of one invalidation as sent, read by a throwaway subscriber before measuring. */
	private static int samplePayloadSize(RedisClient client, RedisServerProcess node, String channel,
			Instance writer) {
		AtomicReference<String> received = new AtomicReference<>();
		try (StatefulRedisPubSubConnection<String, String> pubSub = client
			.connectPubSub(RedisURI.create(node.host(), node.port()))) {
			pubSub.addListener(new RedisPubSubAdapter<>() {
				@Override
				public void message(String ch, String message) {
					if (message.contains("\"invalidate\"")) {
						received.compareAndSet(null, message);
					}
				}
			});
			pubSub.sync().subscribe(channel);
			invalidate(writer, 900_000, 1);
			await().atMost(Duration.ofSeconds(5)).until(() -> received.get() != null);
		}
		return received.get().getBytes(StandardCharsets.UTF_8).length;
	}

	/** Sharded mode: the bucket channel of a cache. */
	private static String shardedChannel(Instance writer, String cache) {
		ShardedChannels channels = writer.context.getBean(ShardedChannels.class);
		return channels.channel(channels.bucketOf(cache));
	}

	/** Sharded mode: as above, with {@code SSUBSCRIBE} on the node that owns the channel's slot. */
	private static int samplePayloadSize(RedisClient client, List<RedisServerProcess> nodes, String channel,
			Instance writer) {
		AtomicReference<String> received = new AtomicReference<>();
		for (RedisServerProcess node : nodes) {
			StatefulRedisPubSubConnection<String, String> pubSub = client
				.connectPubSub(RedisURI.create(node.host(), node.port()));
			try {
				pubSub.addListener(new RedisPubSubAdapter<>() {
					@Override
					public void smessage(String ch, String message) {
						if (message.contains("\"invalidate\"")) {
							received.compareAndSet(null, message);
						}
					}
				});
				pubSub.sync().ssubscribe(channel);
				invalidate(writer, 900_000, 1);
				await().atMost(Duration.ofSeconds(5)).until(() -> received.get() != null);
				return received.get().getBytes(StandardCharsets.UTF_8).length;
			}
			catch (RuntimeException ex) {
				// MOVED: not the owner (or a replica); try the next node.
			}
			finally {
				pubSub.close();
			}
		}
		throw new IllegalStateException("No node accepted SSUBSCRIBE " + channel);
	}

	private static Map<String, Long> snapshot(Map<RedisServerProcess, StatefulRedisConnection<String, String>> nodes,
			boolean cluster) {
		Map<String, Long> sums = new HashMap<>();
		for (String field : List.of("total_net_input_bytes", "total_net_output_bytes", "total_net_repl_output_bytes",
				"cluster_stats_messages_publish_sent", "cluster_stats_messages_publishshard_sent",
				"cluster_stats_messages_sent", "wchar")) {
			sums.put(field, 0L);
		}
		for (Map.Entry<RedisServerProcess, StatefulRedisConnection<String, String>> entry : nodes.entrySet()) {
			add(sums, entry.getValue().sync().info("stats"));
			if (cluster) {
				add(sums, entry.getValue().sync().clusterInfo());
			}
			try {
				add(sums, Files.readString(Path.of("/proc", String.valueOf(entry.getKey().pid()), "io")));
			}
			catch (IOException ex) {
				throw new IllegalStateException("Cannot read /proc/<pid>/io of " + entry.getKey(), ex);
			}
		}
		return sums;
	}

	private static void add(Map<String, Long> sums, String info) {
		for (String line : info.lines().toList()) {
			int colon = line.indexOf(':');
			if (colon > 0 && sums.containsKey(line.substring(0, colon))) {
				sums.merge(line.substring(0, colon), Long.parseLong(line.substring(colon + 1).trim()), Long::sum);
			}
		}
	}

}
