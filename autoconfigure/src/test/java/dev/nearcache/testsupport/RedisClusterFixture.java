package dev.nearcache.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * A Redis Cluster of real {@code redis-server --cluster-enabled yes} processes on free loopback ports: a
 * number of primaries, each with the same number of replicas, joined from Java ({@code CLUSTER ADDSLOTS},
 * {@code CLUSTER MEET}, {@code CLUSTER REPLICATE}), so {@code redis-cli} is not needed and the embedded
 * fallback binary works too.
 * <p>
 * {@code cluster-node-timeout} is short (1 s) and {@code cluster-replica-validity-factor} is 0 (a replica
 * may always take over), so a killed primary is replaced within a few seconds. Each node writes its
 * {@code nodes.conf} into its own temp dir.
 */
public final class RedisClusterFixture implements AutoCloseable {

	/** How long a node may be unreachable before the cluster fails it over. */
	public static final Duration NODE_TIMEOUT = Duration.ofMillis(1000);

	private static final int SLOTS = 16384;

	private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

	private final List<RedisServerProcess> nodes = new ArrayList<>();

	private final RedisClient client = RedisClient.create();

	private final Map<Integer, StatefulRedisConnection<String, String>> connections = new HashMap<>();

	private RedisClusterFixture() {
	}

	/**
	 * Start and join a cluster, returning once every node reports {@code cluster_state:ok}, knows every
	 * other node, and every replica is in sync with its primary.
	 * @param primaries how many primaries (at least 3, as Redis Cluster expects)
	 * @param replicasPerPrimary how many replicas of each primary
	 * @return the running cluster
	 */
	public static RedisClusterFixture start(int primaries, int replicasPerPrimary) {
		RedisClusterFixture cluster = new RedisClusterFixture();
		try {
			cluster.form(primaries, replicasPerPrimary);
			return cluster;
		}
		catch (RuntimeException | Error ex) {
			cluster.close();
			throw ex;
		}
	}

	private void form(int primaries, int replicasPerPrimary) {
		int total = primaries * (1 + replicasPerPrimary);
		for (int i = 0; i < total; i++) {
			this.nodes.add(RedisServerProcess.startWith(null,
					List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
							String.valueOf(NODE_TIMEOUT.toMillis()), "--cluster-replica-validity-factor", "0")));
		}
		for (int i = 0; i < primaries; i++) {
			int from = SLOTS * i / primaries;
			int to = SLOTS * (i + 1) / primaries;
			commands(this.nodes.get(i)).clusterAddSlots(IntStream.range(from, to).toArray());
		}
		RedisCommands<String, String> first = commands(this.nodes.get(0));
		for (RedisServerProcess node : this.nodes.subList(1, total)) {
			first.clusterMeet(node.host(), node.port());
		}
		awaitUntil("every node knows every other node", () -> this.nodes.stream()
			.allMatch((node) -> commands(node).clusterNodes().lines().count() == total));
		for (int i = primaries; i < total; i++) {
			String primaryId = commands(this.nodes.get((i - primaries) % primaries)).clusterMyId();
			commands(this.nodes.get(i)).clusterReplicate(primaryId);
		}
		awaitUntil("the cluster is formed and replicas are in sync", this::healthy);
	}

	/**
	 * Whether every running node reports {@code cluster_state:ok}, sees every running node as connected and
	 * no node as failing, and every running replica's link to its primary is up.
	 * @return whether the cluster is healthy
	 */
	public boolean healthy() {
		try {
			for (RedisServerProcess node : running()) {
				RedisCommands<String, String> commands = commands(node);
				if (!commands.clusterInfo().contains("cluster_state:ok")) {
					return false;
				}
				List<String> lines = commands.clusterNodes().lines().toList();
				long connectedRunning = lines.stream()
					.filter((line) -> !line.contains("fail") && !line.contains("handshake"))
					.filter((line) -> line.contains("myself") || line.contains(" connected"))
					.count();
				if (connectedRunning < running().size()) {
					return false;
				}
				String replication = commands.info("replication");
				if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
					return false;
				}
			}
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/** Wait until {@link #healthy()} (e.g. after a failover). */
	public void awaitHealthy(Duration timeout) {
		awaitUntil("the cluster is healthy", this::healthy, timeout);
	}

	/** Every node started, running or not. */
	public List<RedisServerProcess> nodes() {
		return List.copyOf(this.nodes);
	}

	/** The nodes still running. */
	public List<RedisServerProcess> running() {
		return this.nodes.stream().filter(RedisServerProcess::isRunning).toList();
	}

	/** The running nodes that are primaries now (roles change on failover). */
	public List<RedisServerProcess> primaries() {
		return running().stream().filter((node) -> commands(node).info("replication").contains("role:master")).toList();
	}

	/** {@code host:port,...} of every node, for {@code spring.data.redis.cluster.nodes}. */
	public String nodesProperty() {
		return this.nodes.stream().map((node) -> node.host() + ":" + node.port()).collect(Collectors.joining(","));
	}

	/**
	 * How many clients of a node are subscribed to a channel ({@code PUBSUB NUMSUB} is per node).
	 * @param node the node
	 * @param channel the channel
	 * @return the node's local subscriber count
	 */
	public long subscribers(RedisServerProcess node, String channel) {
		Map<String, Long> counts = commands(node).pubsubNumsub(channel);
		return counts.getOrDefault(channel, 0L);
	}

	/**
	 * A synchronous connection to one node (cached, closed with the fixture).
	 * @param node the node
	 * @return its commands
	 */
	public RedisCommands<String, String> commands(RedisServerProcess node) {
		return this.connections
			.computeIfAbsent(node.port(), (port) -> this.client.connect(uri(node.host(), port)))
			.sync();
	}

	/**
	 * Read one numeric field from each running node's {@code INFO} section or {@code CLUSTER INFO} and sum
	 * it, for measuring traffic.
	 * @param field e.g. {@code total_net_output_bytes} or {@code cluster_stats_messages_publish_sent}
	 * @return the sum over running nodes
	 */
	public long sum(String field) {
		Function<RedisServerProcess, String> source = field.startsWith("cluster_") ? (node) -> commands(node).clusterInfo()
				: (node) -> commands(node).info("stats");
		long sum = 0;
		for (RedisServerProcess node : running()) {
			for (String line : source.apply(node).lines().toList()) {
				if (line.startsWith(field + ":")) {
					sum += Long.parseLong(line.substring(field.length() + 1).trim());
				}
			}
		}
		return sum;
	}

	/**
	 * Kill a node as a crash would ({@code SIGKILL}).
	 * @param node the node
	 */
	public void kill(RedisServerProcess node) {
		StatefulRedisConnection<String, String> connection = this.connections.remove(node.port());
		if (connection != null) {
			connection.closeAsync();
		}
		node.kill();
	}

	@Override
	public void close() {
		this.connections.values().forEach(StatefulRedisConnection::closeAsync);
		this.connections.clear();
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		this.nodes.forEach(RedisServerProcess::kill);
	}

	static RedisURI uri(String host, int port) {
		return RedisURI.builder().withHost(host).withPort(port).withTimeout(Duration.ofSeconds(2)).build();
	}

	private static void awaitUntil(String what, java.util.function.BooleanSupplier condition) {
		awaitUntil(what, condition, FORM_TIMEOUT);
	}

	static void awaitUntil(String what, java.util.function.BooleanSupplier condition, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Timed out after " + timeout + " waiting until " + what);
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while waiting until " + what, ex);
			}
		}
	}

}
