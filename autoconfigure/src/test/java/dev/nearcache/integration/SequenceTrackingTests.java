package dev.nearcache.integration;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.jspecify.annotations.Nullable;
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
 * "A lost message is always either detected or covered by a flush", checked by dropping chosen messages: a sender
 * is played by crafted messages published to a real Redis, and a message is lost by never publishing its
 * {@code seq}. One receiving instance, reached through a TCP proxy so that its subscription can be stalled.
 */
class SequenceTrackingTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	/** FaultInjectionTests' fast detection: heartbeats every 100 ms, a 500 ms window. */
	private static final Duration WINDOW = Duration.ofMillis(500);

	private RedisServerProcess redis;

	private TcpProxy proxy;

	private Instance receiver;

	private RedisClient client;

	private StatefulRedisConnection<String, String> raw;

	@BeforeEach
	void start() {
		this.redis = RedisServerProcess.start();
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 10; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
		this.proxy = TcpProxy.to(this.redis);
		this.receiver = Instance.start(this.proxy.port(), FaultInjectionTests.FAST_DETECTION);
		await().atMost(DEADLINE).until(this.receiver::subscribed);
		// Past the window after the startup proof, in which gap flushes are held back into one.
		long proven = System.nanoTime();
		await().atMost(DEADLINE).until(() -> System.nanoTime() - proven > 2 * WINDOW.toNanos());
		this.client = RedisClient.create(this.redis.redisUri());
		this.raw = this.client.connect();
	}

	@AfterEach
	void stop() {
		this.raw.close();
		this.client.shutdown();
		this.receiver.close();
		this.proxy.close();
		this.redis.close();
	}

	@Test
	void restartedSenderWithTheSameIdShowsItsFirstGap() {
		for (long seq = 1; seq <= 50; seq++) {
			send("web-1", "first-start", seq);
		}
		cache(5L);
		// The container restarts with the same id: a new incarnation that counts from 1. Its third message is lost.
		int detectedAt = 0;
		int received = 0;
		for (long seq = 1; seq <= 60 && detectedAt == 0; seq++) {
			if (seq == 3) {
				continue;
			}
			send("web-1", "second-start", seq);
			received++;
			if (gapFlushes() > 0) {
				detectedAt = received;
			}
		}
		System.out.printf("restarted same-id sender (50 messages before the restart, its 3rd after it lost): "
				+ "gap detected at its message %d after the restart%n", detectedAt);
		assertThat(detectedAt).as("the first message after the lost one").isEqualTo(3);
		await().atMost(DEADLINE).until(() -> !this.receiver.holds("products", 5L));
	}

	@Test
	void lostFirstMessageOfARestartedSenderIsDetected() {
		for (long seq = 1; seq <= 5; seq++) {
			send("web-1", "first-start", seq);
		}
		cache(5L);
		// The new process's first invalidation never arrives.
		send("web-1", "second-start", 2);
		await().atMost(DEADLINE).until(() -> !this.receiver.holds("products", 5L));
		assertThat(gapFlushes()).isEqualTo(1);
	}

	@Test
	void lossRightAfterAGapFlushIsDetected() {
		send("web-1", "one-start", 1);
		send("web-1", "one-start", 2);
		send("web-1", "one-start", 4);
		assertThat(gapFlushes()).isEqualTo(1);
		cache(5L);
		// Lost right after the gap flush: 5.
		send("web-1", "one-start", 6);
		await().atMost(DEADLINE).until(() -> !this.receiver.holds("products", 5L));
		assertThat(gapFlushes()).isEqualTo(2);
	}

	@Test
	void lossRightAfterARecoveryIsDetected() {
		send("web-1", "one-start", 1);
		this.proxy.stall();
		await().atMost(DEADLINE).until(() -> this.receiver.statistics().state() == TransportState.DEGRADED);
		this.proxy.restore();
		await().atMost(DEADLINE).until(this.receiver::subscribed);
		cache(5L);
		// Lost right after the recovery flush: 2.
		long gapsBefore = gapFlushes();
		send("web-1", "one-start", 3);
		await().atMost(DEADLINE).until(() -> !this.receiver.holds("products", 5L));
		assertThat(gapFlushes()).isEqualTo(gapsBefore + 1);
	}

	@Test
	void senderWithoutIncarnationKeepsItsFirstMessageAsBaseline() {
		// Older nearcache instances and foreign publishers send no inc: nothing says where they started counting.
		send("pricing-svc", null, 17);
		send("pricing-svc", null, 18);
		assertThat(gapFlushes()).isZero();
		send("pricing-svc", null, 20);
		assertThat(gapFlushes()).isEqualTo(1);
	}

	private void cache(long id) {
		this.receiver.service().find(id);
		assertThat(this.receiver.holds("products", id)).isTrue();
	}

	/** Publish an invalidation of a cache the receiver does not have, and wait until it was applied. */
	private void send(String origin, @Nullable String incarnation, long seq) {
		long applied = this.receiver.statistics().applied();
		this.raw.sync()
			.publish(this.receiver.statistics().channel(), "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"" + origin
					+ "\"" + ((incarnation != null) ? ",\"inc\":\"" + incarnation + "\"" : "") + ",\"seq\":" + seq
					+ ",\"cache\":\"elsewhere\",\"keys\":[\"x\"]}");
		await().atMost(DEADLINE).until(() -> this.receiver.statistics().applied() > applied);
	}

	private long gapFlushes() {
		return this.receiver.statistics().flushes(FlushReason.GAP);
	}

}
