package dev.nearcache.cache;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Caffeine's maintenance and removal notifications run on nearcache's applying threads themselves (no thread
 * wake-up per applied message), and on the common pool for every other thread, as by Caffeine's default.
 */
class CacheMaintenanceTests {

	private static final ThreadFactory INLINE = CacheMaintenance.inlineThreads(Thread::new);

	@Test
	void tasksRunOnTheCallingThreadOnlyOnInlineThreads() throws Exception {
		AtomicReference<Thread> ranOn = new AtomicReference<>();
		Thread inline = INLINE.newThread(() -> {
			CacheMaintenance.EXECUTOR.execute(() -> ranOn.set(Thread.currentThread()));
			// Synchronously, before execute returned.
			assertThat(ranOn.get()).isSameAs(Thread.currentThread());
		});
		AtomicReference<Throwable> failure = new AtomicReference<>();
		inline.setUncaughtExceptionHandler((thread, ex) -> failure.set(ex));
		inline.start();
		inline.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(failure.get()).isNull();
		assertThat(ranOn.get()).isSameAs(inline);

		CompletableFuture<Thread> elsewhere = new CompletableFuture<>();
		CacheMaintenance.EXECUTOR.execute(() -> elsewhere.complete(Thread.currentThread()));
		assertThat(elsewhere.get(10, TimeUnit.SECONDS)).isInstanceOf(ForkJoinWorkerThread.class)
			.isNotSameAs(Thread.currentThread());
	}

	@Test
	void nearCacheMaintenanceTriggeredOnAnInlineThreadIsDoneWhenTheWriteReturns() throws Exception {
		NearCache cache = new NearCache(new NearCacheSettings("products", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1, true, true), new KeyCanonicalizer(), InvalidationPublisher.NONE);
		AtomicReference<Long> evictionsWhenPutReturned = new AtomicReference<>();
		Thread inline = INLINE.newThread(() -> {
			for (long key = 1; key <= 10; key++) {
				cache.put(key, "value-" + key);
			}
			// The size eviction and its removal notification ran inside put: nothing was left to the common pool.
			evictionsWhenPutReturned.set(cache.getStatistics().sizeEvictions());
		});
		inline.start();
		inline.join(TimeUnit.SECONDS.toMillis(10));
		assertThat(evictionsWhenPutReturned.get()).isEqualTo(9);
		assertThat(cache.getNativeCache().estimatedSize()).isEqualTo(1);
	}

}
