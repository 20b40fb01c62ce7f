package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.invalidation.TransportState;
import dev.nearcache.testsupport.RedisServerProcess;
import dev.nearcache.testsupport.TcpProxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The staleness bounds of consistency.md, guarantee 4, asserted: an instance whose subscription stalls silently
 * (the socket stays open, nothing arrives) misses an invalidation, and serves the old value for at most
 * {@code window + window/3 + degraded.ttl} ({@code short-ttl}), {@code window + window/3} ({@code bypass}) or the
 * cache's {@code ttl} ({@code serve-stale}), counted from the moment the writer's invalidation was published.
 * Scaled-down settings (heartbeat every 100 ms, window 600 ms, degraded TTL 1 s, TTL 2 s for serve-stale and 10 s
 * otherwise, so that a failure to degrade shows) keep the test short; the bounds are the same formulas as with the
 * defaults (9 s, 4 s, 5 min). Two cases each: the write comes before the
 * stall is detected, and the write comes while the instance is already degraded, with a value cached since.
 */
class StalenessBoundTests {

	private static final long WINDOW_MS = 600;

	private static final long DEGRADED_TTL_MS = 1000;

	/** The TTL for serve-stale, whose bound it is. */
	private static final long TTL_MS = 2000;

	/**
	 * The TTL for the other modes: far above their bounds, so that an instance that failed to degrade (and so
	 * served the old value until the TTL) fails the test.
	 */
	private static final long LONG_TTL_MS = 10_000;

	/** Reading every 5 ms and thread scheduling on a loaded 2-core machine; stated in consistency.md. */
	private static final long SLACK_MS = 400;

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private RedisServerProcess redis;

	private TcpProxy proxy;

	private final List<Instance> instances = new ArrayList<>();

	private Instance writer;

	private Instance stalled;

	private void start(DegradedMode mode) {
		this.redis = RedisServerProcess.start();
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		CatalogTestApplication.database.put(1L, "v0");
		this.proxy = TcpProxy.to(this.redis);
		String[] settings = { "nearcache.heartbeat.interval=100ms", "nearcache.heartbeat.window=" + WINDOW_MS + "ms",
				"nearcache.degraded.mode=" + mode.name().toLowerCase().replace('_', '-'),
				"nearcache.degraded.ttl=" + DEGRADED_TTL_MS + "ms",
				"nearcache.defaults.ttl=" + ((mode == DegradedMode.SERVE_STALE) ? TTL_MS : LONG_TTL_MS) + "ms",
				"nearcache.invalidation.publish-timeout=500ms", "nearcache.invalidation.max-retry-interval=200ms",
				"spring.data.redis.timeout=1s" };
		this.writer = Instance.start(this.redis.port(), settings);
		this.stalled = Instance.start(this.proxy.port(), settings);
		this.instances.add(this.writer);
		this.instances.add(this.stalled);
		await().atMost(DEADLINE).until(() -> this.writer.subscribed() && this.stalled.subscribed());
	}

	@AfterEach
	void stop() {
		this.instances.forEach(Instance::close);
		if (this.proxy != null) {
			this.proxy.close();
		}
		if (this.redis != null) {
			this.redis.close();
		}
	}

	@ParameterizedTest
	@EnumSource(DegradedMode.class)
	void aWriteMissedBeforeTheStallIsDetectedIsStaleAtMostTheBound(DegradedMode mode) {
		start(mode);
		assertThat(this.stalled.service().find(1L)).isEqualTo("v0");
		this.proxy.stall();
		long staleMillis = writeAndMeasureStaleness();
		report(mode, "write before detection", staleMillis);
		assertThat(staleMillis).isLessThanOrEqualTo(bound(mode) + SLACK_MS);
	}

	@ParameterizedTest
	@EnumSource(DegradedMode.class)
	void aWriteMissedWhileDegradedIsStaleAtMostTheBound(DegradedMode mode) {
		start(mode);
		this.proxy.stall();
		await().atMost(DEADLINE).until(() -> this.stalled.statistics().state() == TransportState.DEGRADED);
		assertThat(this.stalled.service().find(1L)).isEqualTo("v0");
		long staleMillis = writeAndMeasureStaleness();
		report(mode, "write while degraded", staleMillis);
		assertThat(staleMillis).isLessThanOrEqualTo(bound(mode) + SLACK_MS);
	}

	/** The bound consistency.md states for a mode, at this test's settings. */
	private static long bound(DegradedMode mode) {
		return switch (mode) {
			case SHORT_TTL -> WINDOW_MS + WINDOW_MS / 3 + DEGRADED_TTL_MS;
			case BYPASS -> WINDOW_MS + WINDOW_MS / 3;
			case SERVE_STALE -> TTL_MS;
		};
	}

	/**
	 * Write on the writer (row changed, then evicted and published, as {@code @CacheEvict} does), and read on the
	 * stalled instance until it serves the new row.
	 * @return milliseconds from the publication of the invalidation to the first read of the new row
	 */
	private long writeAndMeasureStaleness() {
		long published = this.writer.statistics().published();
		CatalogTestApplication.database.put(1L, "v1");
		this.writer.service().delete(1L);
		CatalogTestApplication.database.put(1L, "v1");
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(1))
			.until(() -> this.writer.statistics().published() > published);
		long publishedAt = System.nanoTime();
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(5))
			.until(() -> "v1".equals(this.stalled.service().find(1L)));
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - publishedAt);
	}

	private static void report(DegradedMode mode, String scenario, long staleMillis) {
		System.out.printf("staleness bound, %s, %s: stale for %d ms (bound %d ms + %d ms slack)%n", mode, scenario,
				staleMillis, bound(mode), SLACK_MS);
	}

}
