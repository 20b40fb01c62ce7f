package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiFunction;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cache.Cache.ValueWrapper;

import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Readers loading slowly race writers that change the rows and invalidate, on two instances. A stale set (a
 * load that read the old row installing it after the invalidation) would leave a stale entry until the TTL.
 * <p>
 * Two checks. During the run, a read that starts after an invalidation of a version was applied on its instance
 * must see at least that version: on the writer's own instance once the writer's eviction (or clear) returned,
 * on the other instance once it has applied every message the writer published up to that eviction. After the
 * run, once every invalidation has been applied, every cached value on every instance must equal the row. Both
 * for synchronous, {@code sync = true}, {@code CompletableFuture} (with and without {@code sync}) and {@code Mono}
 * reads. Expected stale count: zero.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaleSetRaceTests {

	private static final int KEYS = 16;

	private static final Duration RUN = Duration.ofSeconds(3);

	private Instance a;

	private Instance b;

	@BeforeAll
	void start(RedisServerProcess redis) {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		this.a = Instance.start(redis.port());
		this.b = Instance.start(redis.port());
		await().atMost(Duration.ofSeconds(10)).until(() -> this.a.subscribed() && this.b.subscribed());
	}

	@AfterAll
	void stop() {
		this.a.close();
		this.b.close();
	}

	@ParameterizedTest
	@ValueSource(strings = { "slow", "slowSync", "slowAsync", "slowAsyncSync", "slowMono" })
	void noLoadThatRacedAnInvalidationStaysCached(String cacheName) throws Exception {
		BiFunction<Instance, Long, String> read = switch (cacheName) {
			case "slow" -> (instance, id) -> instance.service().findSlowly(id);
			case "slowSync" -> (instance, id) -> instance.service().findSlowlySync(id);
			case "slowAsync" -> (instance, id) -> instance.service().findSlowlyAsync(id).join();
			case "slowAsyncSync" -> (instance, id) -> instance.service().findSlowlyAsyncSync(id).join();
			default -> (instance, id) -> instance.service().findSlowlyMono(id).block();
		};
		AtomicLongArray versions = new AtomicLongArray(KEYS);
		Map<Instance, AtomicLongArray> applied = Map.of(this.a, new AtomicLongArray(KEYS), this.b,
				new AtomicLongArray(KEYS));
		AtomicLong remoteChecks = new AtomicLong();
		for (long id = 0; id < KEYS; id++) {
			CatalogTestApplication.database.put(id, "0");
		}
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong staleDuringRun = new AtomicLong();
		AtomicLong reads = new AtomicLong();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		List<Future<?>> tasks = new ArrayList<>();
		for (Instance writerInstance : List.of(this.a, this.b)) {
			Instance other = (writerInstance == this.a) ? this.b : this.a;
			tasks.add(threads.submit(() -> {
				while (running.get()) {
					int key = ThreadLocalRandom.current().nextInt(KEYS);
					long version;
					synchronized (versions) {
						version = versions.incrementAndGet(key);
						CatalogTestApplication.database.put((long) key, Long.toString(version));
					}
					long publishedBefore = writerInstance.statistics().published();
					boolean clear = ThreadLocalRandom.current().nextInt(10) == 0;
					if (clear) {
						// A clear must stop racing loads too.
						writerInstance.cache(cacheName).clear();
					}
					else {
						writerInstance.cache(cacheName).evict((long) key);
					}
					applied.get(writerInstance).accumulateAndGet(key, version, Math::max);
					// A remote clear may be coalesced and land up to one window later (consistency.md): only
					// key invalidations set a floor on the other instance.
					if (awaitAppliedOn(other, writerInstance, publishedBefore, running) && !clear) {
						applied.get(other).accumulateAndGet(key, version, Math::max);
						remoteChecks.incrementAndGet();
					}
				}
			}));
		}
		for (int reader = 0; reader < 6; reader++) {
			Instance readerInstance = (reader % 2 == 0) ? this.a : this.b;
			tasks.add(threads.submit(() -> {
				while (running.get()) {
					int key = ThreadLocalRandom.current().nextInt(KEYS);
					long floor = applied.get(readerInstance).get(key);
					long seen = Long.parseLong(read.apply(readerInstance, (long) key));
					reads.incrementAndGet();
					if (seen < floor) {
						staleDuringRun.incrementAndGet();
					}
				}
			}));
		}
		Thread.sleep(RUN.toMillis());
		running.set(false);
		for (Future<?> task : tasks) {
			task.get(10, TimeUnit.SECONDS);
		}
		threads.shutdown();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.b.statistics().applied() >= this.a.statistics().published()
					&& this.a.statistics().applied() >= this.b.statistics().published());

		long staleAfterRun = 0;
		for (Instance instance : List.of(this.a, this.b)) {
			for (long id = 0; id < KEYS; id++) {
				Object stored = instance.cache(cacheName).getNativeCache().getIfPresent(id);
				Object cached = (stored instanceof ValueWrapper wrapper) ? wrapper.get() : stored;
				if (cached != null && !cached.equals(CatalogTestApplication.database.get(id))) {
					staleAfterRun++;
				}
			}
		}
		long discarded = this.a.cache(cacheName).getStatistics().staleLoadsDiscarded()
				+ this.b.cache(cacheName).getStatistics().staleLoadsDiscarded();
		System.out.printf("stale-set race on '%s': %d reads, %d stale during run (%d remote floors), %d stale "
				+ "after, %d racing loads discarded%n", cacheName, reads.get(), staleDuringRun.get(), remoteChecks.get(),
				staleAfterRun, discarded);
		assertThat(reads.get()).isGreaterThan(100);
		assertThat(remoteChecks.get()).as("invalidations confirmed applied on the other instance").isGreaterThan(10);
		assertThat(staleDuringRun.get()).isZero();
		assertThat(staleAfterRun).isZero();
	}

	/**
	 * Wait until the writer has published the message of the write it just made and the other instance applied
	 * every message the writer published; false if that did not happen within a second (no floor then).
	 */
	private static boolean awaitAppliedOn(Instance other, Instance writer, long publishedBefore, AtomicBoolean running) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
		long published;
		while ((published = writer.statistics().published()) <= publishedBefore) {
			if (!running.get() || System.nanoTime() - deadline > 0) {
				return false;
			}
			java.util.concurrent.locks.LockSupport.parkNanos(50_000);
		}
		while (other.statistics().applied() < published) {
			if (!running.get() || System.nanoTime() - deadline > 0) {
				return false;
			}
			java.util.concurrent.locks.LockSupport.parkNanos(50_000);
		}
		return true;
	}

}
