package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The publisher on a real Redis: invalidations from many threads at once, issued by the calling threads or the
 * background thread, leave in sequence order with no number skipped, and heartbeats never announce a number
 * whose message has not left yet — either would make receivers flush for a loss that did not happen.
 */
@ExtendWith(RedisServerExtension.class)
class RedisInvalidationPublisherTests {

	private static final String CHANNEL = "nearcache:publisher-test";

	private final InvalidationCodec codec = new InvalidationCodec(65536);

	private final List<InvalidationMessage> received = Collections.synchronizedList(new ArrayList<>());

	private final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());

	private LettuceConnectionFactory connectionFactory;

	private RedisClient client;

	private StatefulRedisPubSubConnection<String, String> subscription;

	private RedisInvalidationPublisher publisher;

	private InvalidationStatistics statistics;

	@BeforeEach
	void start(RedisServerProcess redis) {
		this.client = RedisClient.create(redis.redisUri());
		this.subscription = this.client.connectPubSub();
		this.subscription.addListener(new RedisPubSubAdapter<>() {
			@Override
			public void message(String channel, String message) {
				RedisInvalidationPublisherTests.this.sizes.add(message.getBytes(StandardCharsets.UTF_8).length);
				RedisInvalidationPublisherTests.this.received
					.add(RedisInvalidationPublisherTests.this.codec.decode(message.getBytes(StandardCharsets.UTF_8))
						.message());
			}
		});
		this.subscription.sync().subscribe(CHANNEL);
		this.connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(redis.host(), redis.port()));
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		this.statistics = new InvalidationStatistics("publisher-test", CHANNEL, TransportState.SUBSCRIBED);
		this.publisher = new RedisInvalidationPublisher(this.connectionFactory, CHANNEL, "publisher-test", this.codec,
				this.statistics, Duration.ofSeconds(2), Duration.ofSeconds(3), 10_000, Duration.ofMillis(20));
		this.publisher.start();
		await().atMost(Duration.ofSeconds(10)).until(() -> this.statistics.heartbeatsPublished() > 0);
	}

	@AfterEach
	void stop() {
		this.publisher.stop();
		this.connectionFactory.destroy();
		this.subscription.close();
		this.client.shutdown();
	}

	@Test
	void messagesFromManyThreadsLeaveInSequenceOrderAndHeartbeatsNeverRunAhead() throws Exception {
		int threads = 8;
		int perThread = 500;
		ExecutorService executor = Executors.newFixedThreadPool(threads);
		CountDownLatch go = new CountDownLatch(1);
		for (int t = 0; t < threads; t++) {
			int thread = t;
			executor.execute(() -> {
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
				for (int i = 0; i < perThread; i++) {
					this.publisher.publishInvalidation("products", List.of(thread + "-" + i));
				}
			});
		}
		go.countDown();
		executor.shutdown();
		assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(20))
			.until(() -> keysReceived() == threads * perThread && this.statistics.published() == messagesReceived());
		long lastSeq = 0;
		synchronized (this.received) {
			for (InvalidationMessage message : this.received) {
				if (message.type() == InvalidationMessage.Type.HEARTBEAT) {
					assertThat(message.seq()).as("a heartbeat announces only what has left").isLessThanOrEqualTo(lastSeq);
				}
				else {
					assertThat(message.seq()).as("sequence numbers leave in order, none skipped").isEqualTo(lastSeq + 1);
					lastSeq = message.seq();
				}
			}
		}
		assertThat(this.statistics.publishFailures()).isZero();
	}

	@Test
	void signedInvalidationsAreSplitWithinTheSizeLimit() {
		this.publisher.stop();
		MessageSigning signing = new MessageSigning("publisher-tests-secret-0123456789abcdef", null,
				Duration.ofSeconds(60), false);
		InvalidationCodec signed = new InvalidationCodec(1024, signing);
		RedisInvalidationPublisher publisher = new RedisInvalidationPublisher(this.connectionFactory, CHANNEL,
				"publisher-test", signed, this.statistics, Duration.ofSeconds(2), Duration.ofSeconds(3), 10_000,
				Duration.ofMillis(20));
		publisher.start();
		try {
			List<String> keys = new ArrayList<>();
			// Control characters take six bytes as JSON escapes, and seven inside the signed envelope's body: 19
			// such keys fit the limit by their unsigned size, not once signed.
			for (int i = 0; i < 19; i++) {
				keys.add("\u0001\u0002\u0003\u0004\u0005" + (char) (1 + i));
			}
			publisher.publishInvalidation("products", keys);
			await().atMost(Duration.ofSeconds(10)).until(() -> keysReceived() == keys.size());
			assertThat(this.sizes).allMatch((size) -> size <= 1024);
			assertThat(messagesReceived()).isGreaterThan(1);
		}
		finally {
			publisher.stop();
		}
	}

	@Test
	void anInvalidationRedisDoesNotAcknowledgeFailsAfterThePublishTimeoutAndIsPublishedLater() {
		this.publisher.stop();
		// No heartbeats after the first (which proves the connection): the publish below is the only one.
		RedisInvalidationPublisher publisher = new RedisInvalidationPublisher(this.connectionFactory, CHANNEL,
				"publisher-test", this.codec, this.statistics, Duration.ofMillis(300), Duration.ofSeconds(3), 10_000,
				Duration.ofHours(1));
		publisher.start();
		try (StatefulRedisConnection<String, String> admin = this.client.connect()) {
			await().atMost(Duration.ofSeconds(10)).until(() -> this.statistics.heartbeatsPublished() > 0);
			long failuresBefore = this.statistics.publishFailures();
			long pausedAt = System.nanoTime();
			admin.sync().clientPause(4_000);
			// Issued by the calling thread (nothing in flight, the connection proven); Redis holds it unanswered.
			publisher.publishInvalidation("products", List.of("paused"));
			await().atMost(Duration.ofSeconds(3)).until(() -> this.statistics.publishFailures() > failuresBefore);
			assertThat(Duration.ofNanos(System.nanoTime() - pausedAt)).as("failed by the timeout, not by Redis")
				.isLessThan(Duration.ofMillis(3_500));
			await().atMost(Duration.ofSeconds(20)).until(() -> keysReceived() > 0);
		}
		finally {
			publisher.stop();
		}
	}

	private long keysReceived() {
		synchronized (this.received) {
			return this.received.stream()
				.filter((message) -> message.type() == InvalidationMessage.Type.INVALIDATE)
				.mapToLong((message) -> message.keys().size())
				.sum();
		}
	}

	private long messagesReceived() {
		synchronized (this.received) {
			return this.received.stream().filter((message) -> message.type() != InvalidationMessage.Type.HEARTBEAT).count();
		}
	}

}
