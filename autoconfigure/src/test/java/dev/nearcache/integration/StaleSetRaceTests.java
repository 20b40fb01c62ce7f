package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * Two checks. During the run, a read on the writer's own instance that starts after the writer's eviction
 * returned must see at least that version. After the run, once every invalidation has been applied, every
 * cached value on every instance must equal the row. Expected stale count: zero.
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
	@ValueSource(strings = { "slow", "slowSync" })
	void noLoadThatRacedAnInvalidationStaysCached(String cacheName) throws Exception {
		BiFunction<Instance, Long, String> read = "slow".equals(cacheName)
				? (instance, id) -> instance.service().findSlowly(id)
				: (instance, id) -> instance.service().findSlowlySync(id);
		AtomicLongArray versions = new AtomicLongArray(KEYS);
		AtomicLongArray evictedOnB = new AtomicLongArray(KEYS);
		for (long id = 0; id < KEYS; id++) {
			CatalogTestApplication.database.put(id, "0");
		}
		AtomicBoolean running = new AtomicBoolean(true);
		AtomicLong staleDuringRun = new AtomicLong();
		AtomicLong reads = new AtomicLong();
		ExecutorService threads = Executors.newFixedThreadPool(8);
		List<Future<?>> tasks = new ArrayList<>();
		for (Instance writerInstance : List.of(this.a, this.b)) {
			tasks.add(threads.submit(() -> {
				while (running.get()) {
					int key = ThreadLocalRandom.current().nextInt(KEYS);
					long version;
					synchronized (versions) {
						version = versions.incrementAndGet(key);
						CatalogTestApplication.database.put((long) key, Long.toString(version));
					}
					if (ThreadLocalRandom.current().nextInt(10) == 0) {
						// A clear must stop racing loads too (Caffeine does not make a clear wait for them).
						writerInstance.cache(cacheName).clear();
					}
					else {
						writerInstance.cache(cacheName).evict((long) key);
					}
					if (writerInstance == this.b) {
						evictedOnB.accumulateAndGet(key, version, Math::max);
					}
					java.util.concurrent.locks.LockSupport.parkNanos(200_000);
				}
			}));
		}
		for (int reader = 0; reader < 6; reader++) {
			Instance readerInstance = (reader % 2 == 0) ? this.a : this.b;
			tasks.add(threads.submit(() -> {
				while (running.get()) {
					int key = ThreadLocalRandom.current().nextInt(KEYS);
					long floor = (readerInstance == this.b) ? evictedOnB.get(key) : 0;
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
		System.out.printf("stale-set race on '%s': %d reads, %d stale during run, %d stale after, "
				+ "%d racing loads discarded%n", cacheName, reads.get(), staleDuringRun.get(), staleAfterRun,
				discarded);
		assertThat(reads.get()).isGreaterThan(100);
		assertThat(staleDuringRun.get()).isZero();
		assertThat(staleAfterRun).isZero();
	}

}
