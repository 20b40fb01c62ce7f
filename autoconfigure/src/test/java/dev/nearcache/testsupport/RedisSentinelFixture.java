package dev.nearcache.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;

/**
 * One primary, one replica and three Sentinels ({@code redis-server <conf> --sentinel}), all real processes
 * on free loopback ports. Sentinels detect a dead primary after 1 s ({@code down-after-milliseconds}) with a
 * quorum of 2, so a killed primary is replaced within a few seconds.
 */
public final class RedisSentinelFixture implements AutoCloseable {

	/** The name the Sentinels monitor, for {@code spring.data.redis.sentinel.master}. */
	public static final String MASTER = "mymaster";

	private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

	private final List<RedisServerProcess> sentinels = new ArrayList<>();

	private final RedisClient client = RedisClient.create();

	private RedisServerProcess primary;

	private RedisServerProcess replica;

	private RedisSentinelFixture() {
	}

	/**
	 * Start the primary, its replica and three Sentinels, returning once every Sentinel knows the replica
	 * and the two other Sentinels (a failover needs them).
	 * @return the running set
	 */
	public static RedisSentinelFixture start() {
		RedisSentinelFixture fixture = new RedisSentinelFixture();
		try {
			fixture.form();
			return fixture;
		}
		catch (RuntimeException | Error ex) {
			fixture.close();
			throw ex;
		}
	}

	private void form() {
		this.primary = RedisServerProcess.startWith(null, List.of());
		this.replica = RedisServerProcess.startWith(null,
				List.of("--replicaof", this.primary.host(), String.valueOf(this.primary.port())));
		String config = String.join("\n", "sentinel monitor " + MASTER + " " + this.primary.host() + " "
				+ this.primary.port() + " 2", "sentinel down-after-milliseconds " + MASTER + " 1000",
				"sentinel failover-timeout " + MASTER + " 5000", "sentinel parallel-syncs " + MASTER + " 1", "");
		for (int i = 0; i < 3; i++) {
			this.sentinels.add(RedisServerProcess.startWith(config, List.of("--sentinel")));
		}
		RedisClusterFixture.awaitUntil("every Sentinel knows the replica and the other Sentinels",
				() -> this.sentinels.stream().allMatch((sentinel) -> {
					Map<String, String> master = master(sentinel);
					return "1".equals(master.get("num-slaves")) && "2".equals(master.get("num-other-sentinels"));
				}), FORM_TIMEOUT);
	}

	/** The primary the set started with. */
	public RedisServerProcess primary() {
		return this.primary;
	}

	/** The replica the set started with (the primary after a failover). */
	public RedisServerProcess replica() {
		return this.replica;
	}

	/** {@code host:port,...} of the Sentinels, for {@code spring.data.redis.sentinel.nodes}. */
	public String sentinelsProperty() {
		return this.sentinels.stream().map((node) -> node.host() + ":" + node.port()).collect(Collectors.joining(","));
	}

	/**
	 * The primary's port as every Sentinel reports it, or -1 while they disagree or cannot answer.
	 * @return the agreed primary port
	 */
	public int agreedPrimaryPort() {
		Integer agreed = null;
		for (RedisServerProcess sentinel : this.sentinels) {
			Map<String, String> master = master(sentinel);
			String port = master.get("port");
			String flags = master.getOrDefault("flags", "");
			if (port == null || flags.contains("down") || flags.contains("failover")) {
				return -1;
			}
			if (agreed != null && agreed != Integer.parseInt(port)) {
				return -1;
			}
			agreed = Integer.parseInt(port);
		}
		return (agreed != null) ? agreed : -1;
	}

	/**
	 * Kill the primary ({@code SIGKILL}) and wait until every Sentinel names the replica as the primary.
	 * @param timeout how long to wait for the failover
	 */
	public void killPrimaryAndAwaitFailover(Duration timeout) {
		this.primary.kill();
		RedisClusterFixture.awaitUntil("the Sentinels promoted the replica",
				() -> agreedPrimaryPort() == this.replica.port(), timeout);
	}

	/**
	 * How many clients of a data node are subscribed to a channel.
	 * @param node the primary or the replica
	 * @param channel the channel
	 * @return {@code PUBSUB NUMSUB} of the channel on that node
	 */
	public long subscribers(RedisServerProcess node, String channel) {
		try (var connection = this.client.connect(RedisClusterFixture.uri(node.host(), node.port()))) {
			return connection.sync().pubsubNumsub(channel).getOrDefault(channel, 0L);
		}
	}

	private Map<String, String> master(RedisServerProcess sentinel) {
		try (StatefulRedisSentinelConnection<String, String> connection = this.client
			.connectSentinel(RedisClusterFixture.uri(sentinel.host(), sentinel.port()))) {
			return connection.sync().master(MASTER);
		}
		catch (RuntimeException ex) {
			return Map.of();
		}
	}

	@Override
	public void close() {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
		this.sentinels.forEach(RedisServerProcess::kill);
		if (this.replica != null) {
			this.replica.kill();
		}
		if (this.primary != null) {
			this.primary.kill();
		}
	}

}
