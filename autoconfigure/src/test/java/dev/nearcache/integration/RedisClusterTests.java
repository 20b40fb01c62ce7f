package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Three instances on a Redis Cluster of three primaries with one replica each, configured only through
 * Spring Boot's {@code spring.data.redis.cluster.*} properties: classic {@code PUBLISH} reaches subscribers
 * on every node, and a primary killed mid-run (replica promoted) leaves no stale read once the cluster and
 * the instances recovered.
 */
class RedisClusterTests {

	/** What docs/scaling.md tells users to set for a cluster. */
	static final String[] TOPOLOGY_REFRESH = { "spring.data.redis.lettuce.cluster.refresh.adaptive=true",
			"spring.data.redis.lettuce.cluster.refresh.period=1s" };

	/** Fast detection, so that a failover test takes seconds. */
	static final String[] FAST_DETECTION = { "nearcache.heartbeat.interval=250ms",
			"nearcache.heartbeat.window=1s", "nearcache.degraded.ttl=1s", "nearcache.invalidation.publish-timeout=500ms",
			"spring.data.redis.timeout=1s" };

	/**
	 * The documented recovery bound after a failover: cluster failover (node timeout + election, ~2-3 s)
	 * plus the heartbeat window and the degraded TTL; generous for a loaded 2-core CI machine.
	 */
	private static final Duration RECOVERY = Duration.ofSeconds(20);

	private RedisClusterFixture cluster;

	private final List<Instance> instances = new ArrayList<>();

	@BeforeEach
	void start() {
		assumeTrue(RedisServerProcess.binaryAvailable(), "no redis-server on PATH and no embedded-redis binary for "
				+ System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
		this.cluster = RedisClusterFixture.start(3, 1);
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 20; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
		for (int i = 0; i < 3; i++) {
			this.instances.add(startInstance(TOPOLOGY_REFRESH));
		}
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
	}

	private Instance startInstance(String... overrides) {
		List<String> properties = new ArrayList<>(List.of(FAST_DETECTION));
		properties.addAll(List.of(overrides));
		properties.add("spring.data.redis.cluster.nodes=" + this.cluster.nodesProperty());
		// host/port are ignored once cluster nodes are set; Instance.start needs some port.
		return Instance.start(this.cluster.nodes().get(0).port(), properties.toArray(String[]::new));
	}

	@AfterEach
	void stop() {
		this.instances.forEach(Instance::close);
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void invalidationsReachInstancesSubscribedOnAnyNode() {
		long flushesAtStart = flushes();
		for (long id = 1; id <= 3; id++) {
			readEverywhere(id);
			write(this.instances.get((int) id - 1), id, "v1");
			assertEverywhere(id, "v1", Duration.ofSeconds(5));
		}
		String channel = this.instances.get(0).statistics().channel();
		long subscriptions = this.cluster.running().stream()
			.mapToLong((node) -> this.cluster.subscribers(node, channel))
			.sum();
		assertThat(subscriptions).as("one subscription per instance, across the cluster's nodes").isEqualTo(3);
		assertThat(flushes()).as("no flush in normal operation (only the startup one)").isEqualTo(flushesAtStart);
	}

	@Test
	void primaryKilledMidRunLeavesNoStaleReadAfterFailover() {
		killPrimaryMidRun();
	}

	@Test
	void withoutTopologyRefreshTheFailoverStillLeavesNoStaleRead() {
		this.instances.forEach(Instance::close);
		this.instances.clear();
		for (int i = 0; i < 3; i++) {
			this.instances.add(startInstance());
		}
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
		killPrimaryMidRun();
	}

	private void killPrimaryMidRun() {
		String channel = this.instances.get(0).statistics().channel();
		// Kill the primary most subscriptions are on, so the failover cuts subscriptions, not only publishers.
		RedisServerProcess victim = this.cluster.primaries()
			.stream()
			.max((x, y) -> Long.compare(this.cluster.subscribers(x, channel), this.cluster.subscribers(y, channel)))
			.orElseThrow();
		long victimSubscribers = this.cluster.subscribers(victim, channel);
		for (long id = 1; id <= 20; id++) {
			readEverywhere(id);
		}
		long flushesBefore = flushes();
		long killedAt = System.nanoTime();
		this.cluster.kill(victim);
		// Writes during the failover, from every instance.
		for (long id = 1; id <= 20; id++) {
			write(this.instances.get((int) id % 3), id, "v1");
		}
		this.cluster.awaitHealthy(RECOVERY);
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
		for (long id = 1; id <= 20; id++) {
			assertEverywhere(id, "v1", RECOVERY);
		}
		long recoveredMillis = (System.nanoTime() - killedAt) / 1_000_000;
		if (victimSubscribers > 0) {
			assertThat(flushes() - flushesBefore).as("instances subscribed on the killed primary cleared their caches").isPositive();
		}
		// Coherent afterwards: an invalidation reaches every instance again (no TTL would hide a miss).
		for (long id = 1; id <= 3; id++) {
			readEverywhere(id);
			write(this.instances.get((int) id - 1), id, "v2");
			assertEverywhere(id, "v2", Duration.ofSeconds(5));
		}
		System.out.printf("cluster failover: %d of 3 subscriptions were on the killed primary; all instances "
				+ "subscribed and serving the new values %d ms after the kill; flushes %s%n", victimSubscribers,
				recoveredMillis, this.instances.stream().map((i) -> i.statistics().flushesByReason()).toList());
	}

	/** Flushes and coalesced flushes, summed over the instances. */
	private long flushes() {
		return this.instances.stream()
			.mapToLong((instance) -> instance.statistics().flushesByReason().values().stream()
				.mapToLong(Long::longValue).sum() + instance.statistics().coalescedFlushes())
			.sum();
	}

	private void write(Instance instance, long id, String value) {
		CatalogTestApplication.database.put(id, value);
		instance.service().delete(id);
		CatalogTestApplication.database.put(id, value);
	}

	private void readEverywhere(long id) {
		for (Instance instance : this.instances) {
			instance.service().find(id);
		}
	}

	private void assertEverywhere(long id, String expected, Duration deadline) {
		await().atMost(deadline).untilAsserted(() -> {
			for (Instance instance : this.instances) {
				assertThat(instance.service().find(id)).as("product %d", id).isEqualTo(expected);
			}
		});
	}

}
