package dev.nearcache.integration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.TransportState;
import dev.nearcache.testsupport.RedisServerProcess;
import dev.nearcache.testsupport.TcpProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults between real processes: each of three instances reaches its own Redis server through its own TCP
 * proxy, so a test can restart Redis, cut one instance off, or stall its connection while keeping the socket
 * open. After every fault, no instance may serve a value older than the last write.
 */
class FaultInjectionTests {

	static final String[] FAST_DETECTION = { "nearcache.heartbeat.interval=100ms", "nearcache.heartbeat.window=500ms",
			"nearcache.degraded.ttl=1s", "nearcache.invalidation.publish-timeout=500ms",
			"nearcache.invalidation.max-retry-interval=200ms", "spring.data.redis.timeout=1s" };

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private RedisServerProcess redis;

	private TcpProxy[] proxies;

	private Instance[] instances;

	@BeforeEach
	void start() {
		this.redis = RedisServerProcess.start();
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 20; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
		this.proxies = new TcpProxy[3];
		this.instances = new Instance[3];
		for (int i = 0; i < 3; i++) {
			this.proxies[i] = TcpProxy.to(this.redis);
			this.instances[i] = Instance.start(this.proxies[i].port(), FAST_DETECTION);
		}
		await().atMost(DEADLINE).until(() -> List.of(this.instances).stream().allMatch(Instance::subscribed));
	}

	@AfterEach
	void stop() {
		for (int i = 0; i < 3; i++) {
			this.instances[i].close();
			this.proxies[i].close();
		}
		this.redis.close();
	}

	@Test
	void redisRestartedEmptyLeavesNoStaleValue() {
		readEverywhere(1L);
		this.redis.stop();
		write(0, 1L, "v1");
		this.redis.restart();
		await().atMost(DEADLINE).until(() -> List.of(this.instances).stream().allMatch(Instance::subscribed));
		assertEverywhere(1L, "v1");
		// Coherent again afterwards.
		readEverywhere(2L);
		write(1, 2L, "v2");
		await().atMost(DEADLINE).until(() -> !this.instances[0].holds("products", 2L)
				&& !this.instances[2].holds("products", 2L));
		assertEverywhere(2L, "v2");
	}

	@Test
	void partitionedInstanceDegradesRecoversAndServesNothingStale() {
		Instance cutOff = this.instances[2];
		readEverywhere(3L);
		this.proxies[2].cut();
		await().atMost(DEADLINE).until(() -> cutOff.statistics().state() == TransportState.DEGRADED);
		write(0, 3L, "v1");
		// While degraded (short-ttl), what the cut-off instance holds lives at most nearcache.degraded.ttl.
		assertThat(cutOff.holds("products", 3L)).as("degrading cleared the cache").isFalse();
		this.proxies[2].restore();
		await().atMost(DEADLINE).until(cutOff::subscribed);
		assertEverywhere(3L, "v1");
		assertThat(cutOff.statistics().flushes(FlushReason.DEGRADED)).isPositive();
	}

	@Test
	void stalledSubscriptionIsDetectedByTheHeartbeatWindow() {
		Instance stalled = this.instances[1];
		readEverywhere(4L);
		long start = System.nanoTime();
		this.proxies[1].stall();
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(10))
			.until(() -> stalled.statistics().state() == TransportState.DEGRADED);
		long detectedMillis = (System.nanoTime() - start) / 1_000_000;
		System.out.printf("stalled subscription detected after %d ms (heartbeat 100ms, window 500ms)%n",
				detectedMillis);
		write(0, 4L, "v1");
		assertThat(stalled.holds("products", 4L)).isFalse();
		this.proxies[1].restore();
		await().atMost(DEADLINE).until(stalled::subscribed);
		assertEverywhere(4L, "v1");
	}

	@Test
	void sequenceGapFlushesTheCaches() {
		Instance receiver = this.instances[0];
		readEverywhere(5L);
		RedisClient client = RedisClient.create(this.redis.redisUri());
		try (StatefulRedisConnection<String, String> raw = client.connect()) {
			String channel = receiver.statistics().channel();
			raw.sync().publish(channel, "{\"v\":1,\"type\":\"heartbeat\",\"origin\":\"foreign\",\"seq\":10}");
			await().atMost(DEADLINE).until(() -> receiver.statistics().heartbeatsReceived() > 0);
			assertThat(receiver.holds("products", 5L)).isTrue();
			// seq 11 and 12 never arrive: the invalidation they carried is lost.
			raw.sync().publish(channel, "{\"v\":1,\"type\":\"clear\",\"origin\":\"foreign\",\"seq\":13,\"cache\":\"other\"}");
			await().atMost(DEADLINE).until(() -> receiver.statistics().flushes(FlushReason.GAP) == 1);
			assertThat(receiver.holds("products", 5L)).isFalse();
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void invalidationsPublishedDuringAnOutageReachTheOthersAfterRecovery() {
		readEverywhere(6L);
		this.proxies[0].cut();
		write(0, 6L, "v1");
		await().atMost(DEADLINE).until(() -> this.instances[0].statistics().publishFailures() > 0);
		this.proxies[0].restore();
		await().atMost(DEADLINE).until(() -> !this.instances[1].holds("products", 6L)
				&& !this.instances[2].holds("products", 6L));
		assertEverywhere(6L, "v1");
	}

	private void write(int instance, long id, String value) {
		CatalogTestApplication.database.put(id, value);
		this.instances[instance].service().delete(id);
		CatalogTestApplication.database.put(id, value);
	}

	private void readEverywhere(long id) {
		for (Instance instance : this.instances) {
			instance.service().find(id);
			assertThat(instance.holds("products", id)).isTrue();
		}
	}

	private void assertEverywhere(long id, String expected) {
		await().atMost(DEADLINE).untilAsserted(() -> {
			for (Instance instance : this.instances) {
				assertThat(instance.service().find(id)).isEqualTo(expected);
			}
		});
	}

}
