package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.testsupport.RedisSentinelFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Three instances on a Sentinel-managed primary and replica, configured only through Spring Boot's
 * {@code spring.data.redis.sentinel.*} properties: the primary is killed mid-run, the Sentinels promote the
 * replica, the clients reconnect to it, every instance clears its caches (flushes of the one incident
 * coalesced) and nothing stale is read afterwards.
 */
class RedisSentinelTests {

	static final String[] FAST_DETECTION = { "nearcache.heartbeat.interval=250ms", "nearcache.heartbeat.window=1s",
			"nearcache.degraded.ttl=1s", "nearcache.invalidation.publish-timeout=500ms",
			"spring.data.redis.timeout=1s" };

	/** Sentinel failover (down-after 1 s + election + promotion) plus reconnect; generous for a loaded CI. */
	private static final Duration RECOVERY = Duration.ofSeconds(30);

	private RedisSentinelFixture sentinel;

	private final List<Instance> instances = new ArrayList<>();

	@BeforeEach
	void start() {
		assumeTrue(RedisServerProcess.binaryAvailable(), "no redis-server on PATH and no embedded-redis binary for "
				+ System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
		this.sentinel = RedisSentinelFixture.start();
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 20; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
		for (int i = 0; i < 3; i++) {
			List<String> properties = new ArrayList<>(List.of(FAST_DETECTION));
			properties.add("spring.data.redis.sentinel.master=" + RedisSentinelFixture.MASTER);
			properties.add("spring.data.redis.sentinel.nodes=" + this.sentinel.sentinelsProperty());
			// host/port are ignored once Sentinel is configured; Instance.start needs some port.
			this.instances.add(Instance.start(this.sentinel.primary().port(), properties.toArray(String[]::new)));
		}
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
	}

	@AfterEach
	void stop() {
		this.instances.forEach(Instance::close);
		if (this.sentinel != null) {
			this.sentinel.close();
		}
	}

	@Test
	void primaryKilledFailoverClearsOnceAndLeavesNoStaleRead() {
		for (long id = 1; id <= 20; id++) {
			readEverywhere(id);
		}
		List<Map<FlushReason, Long>> flushesBefore = this.instances.stream()
			.map((instance) -> Map.copyOf(instance.statistics().flushesByReason()))
			.toList();
		long killedAt = System.nanoTime();
		this.sentinel.killPrimaryAndAwaitFailover(RECOVERY);
		long promotedMillis = (System.nanoTime() - killedAt) / 1_000_000;
		// Writes right after the promotion, from every instance, while clients may still be reconnecting.
		for (long id = 1; id <= 20; id++) {
			write(this.instances.get((int) id % 3), id, "v1");
		}
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
		for (long id = 1; id <= 20; id++) {
			assertEverywhere(id, "v1", RECOVERY);
		}
		long recoveredMillis = (System.nanoTime() - killedAt) / 1_000_000;
		long subscriptions = this.sentinel.subscribers(this.sentinel.replica(), this.instances.get(0).statistics().channel());
		System.out.println("sentinel failover: subscriptions on the new primary: " + subscriptions + ", flushes "
				+ this.instances.stream().map((i) -> i.statistics().flushesByReason()).toList());
		assertThat(subscriptions).as("one subscription per instance on the new primary, none leaked").isEqualTo(3);
		List<Long> flushes = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			Instance instance = this.instances.get(i);
			long count = 0;
			for (Map.Entry<FlushReason, Long> entry : instance.statistics().flushesByReason().entrySet()) {
				count += entry.getValue() - flushesBefore.get(i).getOrDefault(entry.getKey(), 0L);
			}
			flushes.add(count);
			assertThat(count).as("instance %d cleared its caches for the failover", i).isPositive();
			// degraded, recovered, and at most one trailing gap flush for what the others published meanwhile
			assertThat(count).as("instance %d: flushes of the one incident are coalesced", i).isLessThanOrEqualTo(3);
		}
		// Coherent afterwards, on the new primary: no TTL would hide a missed invalidation.
		for (long id = 1; id <= 3; id++) {
			readEverywhere(id);
			write(this.instances.get((int) id - 1), id, "v2");
			assertEverywhere(id, "v2", Duration.ofSeconds(5));
		}
		System.out.printf("sentinel failover: replica promoted %d ms after the kill; all instances subscribed and "
				+ "serving the new values after %d ms; flushes per instance %s, by reason %s; reconnects %s, "
				+ "coalesced %s%n", promotedMillis, recoveredMillis, flushes,
				this.instances.stream().map((i) -> i.statistics().flushesByReason()).toList(),
				this.instances.stream().map((i) -> i.statistics().reconnects()).toList(),
				this.instances.stream().map((i) -> i.statistics().coalescedFlushes()).toList());
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
