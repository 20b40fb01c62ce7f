package dev.nearcache.integration;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nearcache.invalidation.TransportState;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis that is down at startup, or goes away and comes back: each test starts and stops its own server.
 */
class RedisOutageTests {

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private RedisServerProcess redis;

	private Instance a;

	private Instance b;

	@BeforeEach
	void startRedis() {
		this.redis = RedisServerProcess.start();
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 10; id++) {
			CatalogTestApplication.database.put(id, "product-" + id);
		}
	}

	@AfterEach
	void stopAll() {
		if (this.a != null) {
			this.a.close();
		}
		if (this.b != null) {
			this.b.close();
		}
		this.redis.close();
	}

	@Test
	void startsWithRedisDownServesLocallyAndSubscribesOnceRedisComesUp() {
		this.redis.stop();
		this.a = Instance.start(this.redis.port());
		assertThat(this.a.statistics().state()).isEqualTo(TransportState.CONNECTING);
		assertThat(this.a.service().find(1L)).isEqualTo("product-1");
		assertThat(this.a.service().find(1L)).isEqualTo("product-1");
		assertThat(this.a.service().loads()).as("second read is a local hit").isEqualTo(1);

		this.redis.restart();
		await().atMost(DEADLINE).until(this.a::subscribed);
		this.b = Instance.start(this.redis.port());
		await().atMost(DEADLINE).until(this.b::subscribed);
		this.a.service().find(3L);
		this.b.service().find(3L);
		this.b.service().delete(3L);
		await().atMost(DEADLINE).until(() -> !this.a.holds("products", 3L));
		this.b.service().find(4L);
		this.a.service().delete(4L);
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 4L));
	}

	@Test
	void invalidationsMadeWhileRedisIsDownLeaveNoStaleCopyAfterRecovery() {
		this.a = Instance.start(this.redis.port(), "nearcache.invalidation.publish-timeout=300ms");
		this.b = Instance.start(this.redis.port());
		await().atMost(DEADLINE).until(() -> this.a.subscribed() && this.b.subscribed());
		this.b.service().find(5L);
		this.redis.stop();
		this.a.service().delete(5L);
		assertThat(this.a.holds("products", 5L)).isFalse();
		await().atMost(DEADLINE).until(() -> this.a.statistics().publishFailures() > 0);
		this.redis.restart();
		// Either b's reconnect clears its copy or a's retried invalidation evicts it: never stale.
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 5L));
		await().atMost(DEADLINE).until(() -> this.a.statistics().published() > 0);
		assertThat(this.b.service().find(5L)).isNull();
	}

	@Test
	void whileRedisIsDownHeartbeatFailuresRiseButPublishFailuresOnlyWithInvalidations() {
		this.a = Instance.start(this.redis.port(), "nearcache.heartbeat.interval=100ms",
				"nearcache.invalidation.publish-timeout=300ms");
		await().atMost(DEADLINE).until(this.a::subscribed);
		this.redis.stop();
		await().atMost(DEADLINE).until(() -> this.a.statistics().heartbeatFailures() >= 3);
		assertThat(this.a.statistics().publishFailures()).as("nothing was invalidated, so nothing is late").isZero();
		this.a.service().delete(1L);
		await().atMost(DEADLINE).until(() -> this.a.statistics().publishFailures() > 0);
	}

	@Test
	void pendingInvalidationsArePublishedOnShutdown() {
		this.a = Instance.start(this.redis.port());
		this.b = Instance.start(this.redis.port());
		await().atMost(DEADLINE).until(() -> this.a.subscribed() && this.b.subscribed());
		for (long id = 1; id <= 10; id++) {
			this.b.service().find(id);
		}
		for (long id = 1; id <= 10; id++) {
			this.a.service().delete(id);
		}
		this.a.close();
		this.a = null;
		await().atMost(DEADLINE).until(() -> {
			for (long id = 1; id <= 10; id++) {
				if (this.b.holds("products", id)) {
					return false;
				}
			}
			return true;
		});
	}

	@Test
	void reconnectAfterRestartClearsLocalCachesOnce() {
		this.a = Instance.start(this.redis.port());
		await().atMost(DEADLINE).until(this.a::subscribed);
		this.a.service().find(7L);
		assertThat(this.a.holds("products", 7L)).isTrue();
		this.redis.stop();
		this.redis.restart();
		await().atMost(DEADLINE).until(() -> this.a.statistics().reconnects() == 1);
		assertThat(this.a.holds("products", 7L)).as("invalidations may have been missed while disconnected").isFalse();
		assertThat(this.a.subscribed()).isTrue();
	}

}
