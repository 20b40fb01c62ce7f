package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hit and miss counts stay exact with per-thread counting: equal to Caffeine's own counter for the same reads,
 * across threads that end while others still count, with sums taken meanwhile; and cells of ended threads do
 * not pile up.
 */
class ReadCountsTests {

	private static final int KEYS = 200;

	@Test
	void countsEqualCaffeinesOwnCounterAcrossThreadsThatEnd() throws InterruptedException {
		NearCache cache = new NearCache(new NearCacheSettings("counted", java.time.Duration.ofMinutes(5),
				java.time.Duration.ofSeconds(30), 10_000, true, true), new KeyCanonicalizer(), InvalidationPublisher.NONE);
		Cache<Object, Object> caffeine = Caffeine.newBuilder().maximumSize(10_000).recordStats().build();
		for (int i = 0; i < KEYS; i += 2) {
			cache.put("key-" + i, i);
			caffeine.put("key-" + i, i);
		}
		List<Thread> longLived = new ArrayList<>();
		CountDownLatch release = new CountDownLatch(1);
		for (int i = 0; i < 2; i++) {
			Thread thread = new Thread(() -> {
				read(cache, caffeine, 5_000);
				await(release);
				read(cache, caffeine, 5_000);
			});
			longLived.add(thread);
			thread.start();
		}
		for (int round = 0; round < 20; round++) {
			List<Thread> shortLived = new ArrayList<>();
			for (int i = 0; i < 4; i++) {
				Thread thread = new Thread(() -> read(cache, caffeine, 1_000));
				shortLived.add(thread);
				thread.start();
			}
			// A sum taken while threads count and end: it must neither lose nor double-count what they counted.
			long hitsMeanwhile = cache.getStatistics().caffeineStats().hitCount();
			assertThat(hitsMeanwhile).isGreaterThanOrEqualTo(0);
			for (Thread thread : shortLived) {
				thread.join();
			}
			assertThat(cache.getStatistics().caffeineStats().hitCount()).isGreaterThanOrEqualTo(hitsMeanwhile);
		}
		read(cache, caffeine, 3_000);
		release.countDown();
		for (Thread thread : longLived) {
			thread.join();
		}
		CacheStats expected = caffeine.stats();
		CacheStats actual = cache.getStatistics().caffeineStats();
		assertThat(expected.hitCount()).isPositive();
		assertThat(expected.missCount()).isPositive();
		assertThat(actual.hitCount()).isEqualTo(expected.hitCount());
		assertThat(actual.missCount()).isEqualTo(expected.missCount());
		assertThat(cache.getStatistics().hits()).isEqualTo(expected.hitCount());
		assertThat(cache.getStatistics().misses()).isEqualTo(expected.missCount());
	}

	@Test
	void cellsOfEndedThreadsAreFoldedIntoTheTotals() throws InterruptedException {
		ReadCounts counts = new ReadCounts();
		for (int i = 0; i < 500; i++) {
			Thread thread = new Thread(() -> {
				counts.hits(2);
				counts.misses(1);
			});
			thread.start();
			thread.join();
		}
		assertThat(counts.cellCount()).isLessThanOrEqualTo(64);
		assertThat(counts.sums()).containsExactly(1_000L, 500L);
		assertThat(counts.cellCount()).isZero();
		counts.hits(1);
		assertThat(counts.hits()).isEqualTo(1_001L);
		assertThat(counts.cellCount()).isOne();
	}

	private static void read(NearCache cache, Cache<Object, Object> caffeine, int reads) {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		for (int i = 0; i < reads; i++) {
			String key = "key-" + random.nextInt(KEYS);
			cache.get(key);
			caffeine.getIfPresent(key);
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
