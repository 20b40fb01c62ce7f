package dev.nearcache.integration;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The transport's behaviour, run against each Redis binding (classic pub/sub through Spring Data Redis,
 * sharded pub/sub through Lettuce): {@link ClassicTransportTests} and {@link ShardedTransportTests} start the
 * Redis and say how instances reach it; every test here runs on both. Instances are independent Spring contexts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
abstract class TransportContractTests {

	static final Duration DEADLINE = Duration.ofSeconds(20);

	private final List<Instance> instances = new ArrayList<>();

	/**
	 * Return the port instances are given as {@code spring.data.redis.port}.
	 * @return the port
	 */
	abstract int redisPort();

	/**
	 * Return the properties that select the binding and reach its Redis.
	 * @return the properties
	 */
	abstract List<String> transportProperties();

	@BeforeEach
	void resetDatabase() {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 20; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
		CatalogTestApplication.ProductService.pauseMillis = 0;
	}

	@AfterEach
	void closeInstances() {
		for (Instance instance : this.instances) {
			instance.close();
		}
		this.instances.clear();
	}

	Instance start(String... more) {
		Instance instance = Instance.start(redisPort(), properties(more));
		this.instances.add(instance);
		return instance;
	}

	Instance startWeb(String... more) {
		Instance instance = Instance.startWeb(redisPort(), SlowWrites.class, properties(more));
		this.instances.add(instance);
		return instance;
	}

	private String[] properties(String... more) {
		List<String> all = new ArrayList<>(transportProperties());
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

	@Test
	void invalidationsAndClearsReachEveryOtherInstance() {
		Instance a = start();
		Instance b = start();
		await().atMost(DEADLINE).until(() -> a.subscribed() && b.subscribed());
		b.service().find(1L);
		b.service().find(2L);
		a.service().delete(1L);
		await().atMost(DEADLINE).until(() -> !b.holds("products", 1L));
		assertThat(b.holds("products", 2L)).isTrue();
		a.service().deleteAll();
		await().atMost(DEADLINE).until(() -> !b.holds("products", 2L));
		assertThat(b.statistics().applied()).isEqualTo(2);
		assertThat(a.statistics().selfSkipped()).as("its own messages come back and are skipped").isPositive();
	}

	/**
	 * Invalidations from many threads at once, issued by the calling threads or the background thread: each
	 * channel's sequence numbers leave in order with none skipped, and heartbeats never announce a number whose
	 * message has not left, or the receiver would flush for a loss that did not happen.
	 */
	@Test
	void invalidationsFromManyThreadsArriveWithoutAGap() throws Exception {
		Instance a = start();
		Instance b = start();
		await().atMost(DEADLINE).until(() -> a.subscribed() && b.subscribed());
		Map<FlushReason, Long> flushesBefore = b.statistics().flushesByReason();
		List<CompletableFuture<Void>> writers = new ArrayList<>();
		for (int thread = 0; thread < 8; thread++) {
			int t = thread;
			writers.add(CompletableFuture.runAsync(() -> {
				for (int i = 0; i < 200; i++) {
					a.cache("thread-" + (t % 4)).evict("k" + t + "-" + i);
				}
			}));
		}
		CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		await().atMost(DEADLINE).until(() -> a.statistics().publishFailures() == 0
				&& b.statistics().received() > 0 && a.statistics().published() > 0);
		await().atMost(DEADLINE).until(() -> b.statistics().applied() >= a.statistics().published());
		assertThat(b.statistics().flushesByReason()).as("no gap, no flush").isEqualTo(flushesBefore);
	}

	@Test
	void whatIsPendingWhenThePublisherStopsIsPublished() {
		Instance a = start();
		Instance b = start();
		await().atMost(DEADLINE).until(() -> a.subscribed() && b.subscribed());
		for (long id = 1; id <= 10; id++) {
			b.service().find(id);
			a.service().delete(id);
		}
		a.context.stop();
		await().atMost(DEADLINE).until(() -> heldBy(b, 1, 10).isEmpty());
	}

	@Test
	void anInvalidationOfferedAfterStopIsCountedAndLoggedAndTheCachesDegrade(CapturedOutput output) {
		Instance a = start();
		await().atMost(DEADLINE).until(a::subscribed);
		a.context.stop();
		assertThat(a.statistics().state()).isEqualTo(TransportState.STOPPED);
		assertThat(a.cache("products").getDegradedMode()).as("no invalidation arrives any more").isNotNull();
		a.service().delete(3L);
		assertThat(a.statistics().offeredAfterStop()).isEqualTo(1);
		assertThat(output).contains("an invalidation was offered after the publisher stopped");
	}

	/**
	 * A rolling deploy: writes still running when the instance is told to shut down (SIGTERM closes the context
	 * while requests are in flight) are drained by the web server's graceful shutdown, and the invalidation of
	 * every write the client saw acknowledged must reach the other instance.
	 */
	@Test
	void gracefulShutdownPublishesTheInvalidationOfEveryAcknowledgedWrite() throws Exception {
		int writes = 8;
		Instance reader = start();
		Instance writer = startWeb();
		await().atMost(DEADLINE).until(() -> reader.subscribed() && writer.subscribed());
		for (long id = 1; id <= writes; id++) {
			assertThat(reader.service().find(id)).isEqualTo("v0");
		}
		SlowWrites.entered.set(0);
		SlowWrites.writeMillis = 1500;
		HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
		List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
		for (long id = 1; id <= writes; id++) {
			URI uri = URI.create("http://127.0.0.1:" + writer.webPort() + "/products/" + id + "?name=v1");
			responses.add(http.sendAsync(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
					HttpResponse.BodyHandlers.ofString()));
		}
		await().atMost(DEADLINE).until(() -> SlowWrites.entered.get() == writes);
		Thread closer = new Thread(writer.context::close, "sigterm");
		closer.start();
		List<Long> acknowledged = new ArrayList<>();
		for (int i = 0; i < writes; i++) {
			HttpResponse<String> response = responses.get(i).get(30, TimeUnit.SECONDS);
			if (response.statusCode() == 200) {
				acknowledged.add((long) i + 1);
			}
		}
		closer.join(TimeUnit.SECONDS.toMillis(30));
		assertThat(acknowledged).as("graceful shutdown lets every write in flight finish").hasSize(writes);
		List<Long> stale = List.of();
		try {
			await().atMost(Duration.ofSeconds(5)).until(() -> staleAt(reader, acknowledged).isEmpty());
		}
		catch (ConditionTimeoutException ex) {
			stale = staleAt(reader, acknowledged);
		}
		System.out.println("nearcache graceful shutdown (" + getClass().getSimpleName() + "): " + acknowledged.size()
				+ " writes acknowledged, " + stale.size() + " invalidations lost");
		assertThat(stale).as("acknowledged writes whose invalidation never reached the other instance").isEmpty();
		assertThat(reader.service().find(1L)).isEqualTo("v1");
	}

	/**
	 * {@code @Async} writes running on Spring Boot's task executor when the context closes: the executor lets
	 * them finish when it stops (phase {@code Integer.MAX_VALUE / 2}), and the publisher stops after it.
	 */
	@Test
	void asyncWritesRunningAtShutdownArePublished() throws Exception {
		int writes = 4;
		Instance reader = start();
		Instance writer = Instance.startWeb(redisPort(), AsyncWrites.class,
				properties("spring.task.execution.pool.core-size=8"));
		this.instances.add(writer);
		await().atMost(DEADLINE).until(() -> reader.subscribed() && writer.subscribed());
		for (long id = 1; id <= writes; id++) {
			assertThat(reader.service().find(id)).isEqualTo("v0");
		}
		AsyncWrites.started.set(0);
		AsyncWrites.finished.set(0);
		AsyncWrites.Writer async = writer.context.getBean(AsyncWrites.Writer.class);
		for (long id = 1; id <= writes; id++) {
			async.rename(id, "v1");
		}
		await().atMost(DEADLINE).until(() -> AsyncWrites.started.get() == writes);
		Thread closer = new Thread(writer.context::close, "sigterm");
		closer.start();
		closer.join(TimeUnit.SECONDS.toMillis(40));
		List<Long> done = new ArrayList<>();
		for (long id = 1; id <= AsyncWrites.finished.get(); id++) {
			done.add(id);
		}
		assertThat(done).as("the executor lets running tasks finish").hasSize(writes);
		List<Long> stale = List.of();
		try {
			await().atMost(Duration.ofSeconds(5)).until(() -> staleAt(reader, done).isEmpty());
		}
		catch (ConditionTimeoutException ex) {
			stale = staleAt(reader, done);
		}
		System.out.println("nearcache @Async at shutdown (" + getClass().getSimpleName() + "): " + done.size()
				+ " writes finished, " + stale.size() + " invalidations lost");
		assertThat(stale).as("finished writes whose invalidation never reached the other instance").isEmpty();
	}

	/**
	 * A slow database query that meets remote invalidations and clears: the applying thread waits for the load
	 * (a clear waits for loads that started before it) far longer than the silence window. Heartbeats still
	 * arrive, so the channel is alive: no degradation, no flush.
	 */
	@Test
	void aLoadSlowerThanTwoSilenceWindowsDoesNotLookLikeADeadChannel() throws Exception {
		Duration window = Duration.ofMillis(300);
		String[] fast = { "nearcache.heartbeat.interval=100ms", "nearcache.heartbeat.window=" + window.toMillis() + "ms" };
		Instance writer = start(fast);
		Instance reader = start(fast);
		await().atMost(DEADLINE).until(() -> reader.subscribed() && writer.subscribed());
		InvalidationStatistics statistics = reader.statistics();
		Map<FlushReason, Long> flushesBefore = statistics.flushesByReason();
		long reconnectsBefore = statistics.reconnects();
		writer.service().findAfterPause(1L);
		CatalogTestApplication.ProductService.pauseMillis = window.toMillis() * 3;
		for (int round = 0; round < 3; round++) {
			long id = 7 + round;
			int loadsBefore = CatalogTestApplication.ProductService.pausedLoads.get();
			CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> reader.service().findAfterPause(id));
			await().atMost(DEADLINE).until(() -> CatalogTestApplication.ProductService.pausedLoads.get() > loadsBefore);
			CatalogTestApplication.database.put(id, "v1");
			writer.cache("paused").evict(id);
			writer.cache("paused").clear();
			load.get(10, TimeUnit.SECONDS);
		}
		CatalogTestApplication.ProductService.pauseMillis = 0;
		// Asserting that something did not happen: give the silence check two more windows to act.
		LockSupportPause.millis(window.toMillis() * 2);
		System.out.println("nearcache slow load (" + getClass().getSimpleName() + "): "
				+ (statistics.flushes(FlushReason.DEGRADED) - flushesBefore.get(FlushReason.DEGRADED))
				+ " degradations, " + (total(statistics.flushesByReason()) - total(flushesBefore)) + " flushes");
		assertThat(statistics.flushes(FlushReason.DEGRADED)).as("degradations").isEqualTo(flushesBefore.get(FlushReason.DEGRADED));
		assertThat(statistics.flushesByReason()).as("flushes").isEqualTo(flushesBefore);
		assertThat(statistics.reconnects()).as("recycled subscriptions").isEqualTo(reconnectsBefore);
		assertThat(statistics.state()).isEqualTo(TransportState.SUBSCRIBED);
		for (long id = 7; id < 10; id++) {
			long key = id;
			await().atMost(DEADLINE).untilAsserted(() -> assertThat(reader.service().findAfterPause(key)).isEqualTo("v1"));
		}
	}

	private static long total(Map<FlushReason, Long> flushes) {
		return flushes.values().stream().mapToLong(Long::longValue).sum();
	}

	private static List<Long> heldBy(Instance instance, long from, long to) {
		List<Long> held = new ArrayList<>();
		for (long id = from; id <= to; id++) {
			if (instance.holds("products", id)) {
				held.add(id);
			}
		}
		return held;
	}

	private static List<Long> staleAt(Instance instance, List<Long> ids) {
		List<Long> stale = new ArrayList<>();
		for (Long id : ids) {
			var cached = instance.cache("products").get(id);
			if (cached != null && "v0".equals(cached.get())) {
				stale.add(id);
			}
		}
		return stale;
	}

	/** A deliberate pause of the test thread (not a wait for a condition). */
	static final class LockSupportPause {

		static void millis(long millis) {
			java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
		}

	}

}
