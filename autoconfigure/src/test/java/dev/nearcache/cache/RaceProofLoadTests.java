package dev.nearcache.cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cache.interceptor.SimpleKey;

import dev.nearcache.cache.NearCacheInvalidatorTests.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Loads through {@code get(key, Callable)} and {@code retrieve(key, Supplier)} racing invalidations and clears, in
 * chosen orders: a read that starts after an invalidation never gets a load that started before it, applying an
 * invalidation or a clear never waits for an application load, and nothing loaded before an invalidation is
 * installed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RaceProofLoadTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private static final SimpleKey COMPOSITE = new SimpleKey(42L, "eu");

	private static final String COMPOSITE_FORM = "[\"42\",\"eu\"]";

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final NearCache cache = new NearCache(new NearCacheSettings("products", Duration.ofMinutes(5),
			Duration.ofSeconds(30), 1000, true, true), new KeyCanonicalizer(), new RecordingPublisher());

	@AfterEach
	void shutdown() {
		this.executor.shutdownNow();
	}

	/** Defect 5: an async load in flight was handed to a read that began after an invalidation of its key. */
	@Test
	void asyncReadThatStartsAfterAnInvalidationStartsItsOwnLoad() {
		CompletableFuture<String> before = new CompletableFuture<>();
		CompletableFuture<String> first = this.cache.retrieve(42L, () -> before);
		AtomicInteger joinerLoads = new AtomicInteger();
		CompletableFuture<String> joiner = this.cache.retrieve(42L, () -> {
			joinerLoads.incrementAndGet();
			return new CompletableFuture<>();
		});
		assertThat(joinerLoads).as("a read before any invalidation shares the load in flight").hasValue(0);
		this.cache.applyRemoteInvalidation(List.of("42"));
		CompletableFuture<String> after = new CompletableFuture<>();
		AtomicInteger laterLoads = new AtomicInteger();
		CompletableFuture<String> later = this.cache.retrieve(42L, () -> {
			laterLoads.incrementAndGet();
			return after;
		});
		assertThat(laterLoads).as("a read after the invalidation loads again").hasValue(1);
		before.complete("old");
		assertThat(first.join()).isEqualTo("old");
		assertThat(joiner.join()).isEqualTo("old");
		assertThat(later).as("not the load that started before the invalidation").isNotDone();
		after.complete("new");
		assertThat(later.join()).isEqualTo("new");
		assertThat(this.cache.get(42L, String.class)).isEqualTo("new");
	}

	/**
	 * Defect 5 for {@code get(key, Callable)} (Caffeine's compute used to make the later read wait for the
	 * earlier load and return its value), and defect 6: the invalidation itself does not wait for the load.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "composite", "long" })
	void syncReadThatStartsAfterAnInvalidationDoesNotWaitForTheOlderLoad(String keyType) throws Exception {
		Object key = "composite".equals(keyType) ? COMPOSITE : 42L;
		String form = "composite".equals(keyType) ? COMPOSITE_FORM : "42";
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Future<Object> slow = this.executor.submit(() -> this.cache.get(key, () -> {
			loading.countDown();
			release.await(30, TimeUnit.SECONDS);
			return "old";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		Future<Integer> invalidation = this.executor.submit(() -> this.cache.applyRemoteInvalidation(List.of(form)));
		await().atMost(DEADLINE).until(invalidation::isDone);
		Future<Object> later = this.executor.submit(() -> this.cache.get(key, () -> "new"));
		await().atMost(DEADLINE).until(later::isDone);
		assertThat(slow).as("the older load is still running").isNotDone();
		assertThat(later.get()).isEqualTo("new");
		release.countDown();
		assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("old");
		assertThat(this.cache.get(key, () -> "reloaded")).as("the newer value stays").isEqualTo("new");
	}

	/** Defect 6: a clear used to wait for loads that started before it (up to 30 s). */
	@Test
	void clearDoesNotWaitForALoadAndItsResultIsNotInstalled() throws Exception {
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		this.cache.put(1L, "kept until the clear");
		Future<Object> slow = this.executor.submit(() -> this.cache.get(COMPOSITE, () -> {
			loading.countDown();
			release.await(30, TimeUnit.SECONDS);
			return "read before the clear";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		Future<Boolean> clear = this.executor.submit(this.cache::clearLocally);
		await().atMost(DEADLINE).until(clear::isDone);
		assertThat(slow).isNotDone();
		assertThat(this.cache.get(1L)).isNull();
		release.countDown();
		assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo("read before the clear");
		assertThat(this.cache.get(COMPOSITE)).as("a load that started before the clear is not installed").isNull();
	}

	/** Many slow loads on the sync path racing invalidations and clears of their keys: none waits, none installs. */
	@Test
	void invalidationsAndClearsNeverWaitForAnyOfManySlowLoads() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch loading = new CountDownLatch(8);
		List<Future<Object>> loads = new java.util.ArrayList<>();
		for (long id = 0; id < 8; id++) {
			long key = id;
			loads.add(this.executor.submit(() -> this.cache.get(key, () -> {
				loading.countDown();
				release.await(30, TimeUnit.SECONDS);
				return "old " + key;
			})));
		}
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		Future<?> applying = this.executor.submit(() -> {
			for (long id = 0; id < 8; id++) {
				this.cache.applyRemoteInvalidation(List.of(Long.toString(id)));
				this.cache.clearLocally();
			}
		});
		await().atMost(DEADLINE).until(applying::isDone);
		assertThat(loads).noneMatch(Future::isDone);
		release.countDown();
		for (Future<Object> load : loads) {
			load.get(10, TimeUnit.SECONDS);
		}
		for (long id = 0; id < 8; id++) {
			assertThat(this.cache.get(id)).isNull();
		}
		assertThat(this.cache.getStatistics().staleLoadsDiscarded()).isEqualTo(8);
	}

	@Test
	void loaderThatReadsItsOwnKeyLoadsAgainInsteadOfWaitingOnItself() {
		Object value = this.cache.get(COMPOSITE, () -> "outer " + this.cache.get(COMPOSITE, () -> "inner"));
		assertThat(value).isEqualTo("outer inner");
	}

	@Test
	void loaderMayWriteAndEvictOtherKeysOfTheCache() {
		Object value = this.cache.get("b", () -> {
			this.cache.put(SimpleKey.EMPTY, "nested");
			this.cache.evict(SimpleKey.EMPTY);
			this.cache.put("[]", "nested too");
			return "b";
		});
		assertThat(value).isEqualTo("b");
		assertThat(this.cache.get("[]", String.class)).isEqualTo("nested too");
	}

	@Test
	void waitersOfAFailedLoadLoadThemselves() throws Exception {
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Future<Object> failing = this.executor.submit(() -> this.cache.get(9L, () -> {
			loading.countDown();
			release.await(30, TimeUnit.SECONDS);
			throw new IllegalStateException("database down");
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		Future<Object> waiter = this.executor.submit(() -> this.cache.get(9L, () -> "own"));
		await().atMost(DEADLINE).until(() -> this.cache.loadsInFlight() == 1 && !waiter.isDone());
		release.countDown();
		assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo("own");
		assertThat(this.cache.get(9L, String.class)).isEqualTo("own");
	}

	/** Defect 3: stamps only grow, so a stamp taken before any invalidation or clear never matches again. */
	@Test
	void stampsNeverReturnToAnEarlierValue() {
		InvalidationStamps stamps = new InvalidationStamps(1000);
		long before = stamps.stamp("42");
		stamps.invalidating("42");
		long afterInvalidation = stamps.stamp("42");
		stamps.clearing();
		assertThat(afterInvalidation).isGreaterThan(before);
		assertThat(stamps.stamp("42")).isGreaterThan(afterInvalidation);
		assertThat(stamps.movedSince("42", before)).isTrue();
		assertThat(stamps.movedSince("42", afterInvalidation)).isTrue();
		assertThat(stamps.movedSince("42", stamps.stamp("42"))).isFalse();
	}

}
