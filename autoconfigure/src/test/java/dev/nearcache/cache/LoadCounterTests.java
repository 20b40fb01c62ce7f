package dev.nearcache.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LoadCounter}: a hit leaves it unchanged; a load started, or joined while in flight, moves it —
 * so the stale-read audit never takes a {@code sync = true} read that waited for a load for a hit.
 */
class LoadCounterTests {

	private final NearCache cache = new NearCache(
			new NearCacheSettings("products", Duration.ofMinutes(5), Duration.ofSeconds(30), 100, true, true),
			new KeyCanonicalizer(), InvalidationPublisher.NONE);

	@Test
	void hitLeavesTheCountUnchanged() {
		this.cache.get(1L, () -> "one");
		long before = LoadCounter.onThisThread();
		assertThat(this.cache.get(1L, () -> "other")).isEqualTo("one");
		assertThat(this.cache.get(1L)).isNotNull();
		assertThat(this.cache.retrieve(1L)).isNotNull();
		assertThat(LoadCounter.onThisThread()).isEqualTo(before);
	}

	@Test
	void loadMovesTheCount() {
		long before = LoadCounter.onThisThread();
		this.cache.get(2L, () -> "two");
		assertThat(LoadCounter.onThisThread()).isGreaterThan(before);
	}

	@Test
	void joiningALoadInFlightMovesTheCount() throws Exception {
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> loader = CompletableFuture.supplyAsync(() -> this.cache.get(3L, () -> {
			loading.countDown();
			release.await(10, TimeUnit.SECONDS);
			return "three";
		}));
		assertThat(loading.await(10, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<long[]> joiner = CompletableFuture.supplyAsync(() -> {
			long before = LoadCounter.onThisThread();
			this.cache.get(3L, () -> "not called");
			return new long[] { before, LoadCounter.onThisThread() };
		});
		await().atMost(Duration.ofSeconds(10)).until(() -> this.cache.loadsInFlight() == 1);
		release.countDown();
		long[] counts = joiner.get(10, TimeUnit.SECONDS);
		assertThat(loader.get(10, TimeUnit.SECONDS)).isEqualTo("three");
		assertThat(counts[1]).isGreaterThan(counts[0]);
	}

	@Test
	void asyncLoadMovesTheCount() {
		long before = LoadCounter.onThisThread();
		this.cache.retrieve(4L, () -> CompletableFuture.completedFuture("four")).join();
		assertThat(LoadCounter.onThisThread()).isGreaterThan(before);
	}

}
