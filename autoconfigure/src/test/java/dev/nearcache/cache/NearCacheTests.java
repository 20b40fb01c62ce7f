package dev.nearcache.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link NearCache}, with a recording {@link InvalidationPublisher} standing in for the transport.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NearCacheTests {

	private static final Duration DEADLINE = Duration.ofSeconds(5);

	private final RecordingPublisher publisher = new RecordingPublisher();

	private final ExecutorService executor = Executors.newFixedThreadPool(16);

	@AfterEach
	void shutdown() {
		this.executor.shutdownNow();
	}

	// --- reads ---

	@Test
	void getOfMissingKeyIsNull() {
		NearCache cache = cache();
		assertThat(cache.get(42L)).isNull();
		assertThat(cache.get(42L, String.class)).isNull();
	}

	@Test
	void getReturnsWhatWasPut() {
		NearCache cache = cache();
		cache.put(42L, "answer");
		assertThat(cache.get(42L)).isNotNull().extracting(ValueWrapper::get).isEqualTo("answer");
		assertThat(cache.get(42L, String.class)).isEqualTo("answer");
	}

	@Test
	void keysOfDifferentTypesAreDistinctEntries() {
		NearCache cache = cache(settings("products").broadcast(false));
		load(cache, 42L, "long");
		load(cache, 42, "int");
		assertThat(cache.get(42L, String.class)).isEqualTo("long");
		assertThat(cache.get(42, String.class)).isEqualTo("int");
		assertThat(cache.get("42")).isNull();
	}

	@Test
	void hitDoesNotPublish() {
		NearCache cache = cache();
		cache.put(1L, "a");
		this.publisher.reset();
		cache.get(1L);
		cache.get(2L);
		cache.retrieve(1L);
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void nameAndNativeCacheAreExposed() {
		NearCache cache = cache();
		cache.put(1L, "a");
		assertThat(cache.getName()).isEqualTo("products");
		assertThat(cache.getNativeCache().getIfPresent(1L)).isInstanceOfSatisfying(ValueWrapper.class,
				(stored) -> assertThat(stored.get()).isEqualTo("a"));
		assertThat(cache.getSettings().name()).isEqualTo("products");
	}

	@Test
	void aHitReturnsTheStoredEntryInsteadOfAllocatingAWrapper() {
		NearCache cache = cache();
		cache.put(1L, "a");
		ValueWrapper hit = cache.get(1L);
		assertThat(hit).isNotNull().isSameAs(cache.get(1L)).isSameAs(cache.getNativeCache().getIfPresent(1L));
		assertThat(hit.get()).isEqualTo("a");
		assertThat(cache.get(1L, String.class)).isEqualTo("a");
		assertThat(cache.get(1L, () -> "loaded")).isEqualTo("a");
	}

	@Test
	void aValuePutThroughTheNativeCacheIsReadAsTheValue() {
		NearCache cache = cache();
		cache.getNativeCache().put(1L, "a");
		assertThat(cache.get(1L)).isNotNull().extracting(ValueWrapper::get).isEqualTo("a");
		assertThat(cache.get(1L, String.class)).isEqualTo("a");
	}

	// --- null values ---

	@Test
	void nullValueIsCachedAsPresentNull() {
		NearCache cache = cache();
		cache.put(42L, null);
		ValueWrapper wrapper = cache.get(42L);
		assertThat(wrapper).isNotNull();
		assertThat(wrapper.get()).isNull();
	}

	@Test
	void nullValueExpiresAfterItsOwnNullTtlWhileValuesLive() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMinutes(10)).nullTtl(Duration.ofMillis(200)));
		cache.put("missing", null);
		cache.put("present", "value");
		assertThat(cache.get("missing")).isNotNull().extracting(ValueWrapper::get).isNull();
		long start = System.nanoTime();
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> cache.get("missing") == null);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
		assertThat(cache.get("present", String.class)).isEqualTo("value");
	}

	@Test
	void valueExpiresAfterTtlWhileNullsLiveLonger() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMillis(200)).nullTtl(Duration.ofMinutes(10)));
		cache.put("missing", null);
		cache.put("present", "value");
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> cache.get("present") == null);
		assertThat(cache.get("missing")).isNotNull().extracting(ValueWrapper::get).isNull();
	}

	@Test
	void replacingNullByValueGivesTheValueTtl() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMinutes(10)).nullTtl(Duration.ofMillis(200)));
		cache.put("k", null);
		cache.put("k", "value");
		cache.put("other", null);
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> cache.get("other") == null);
		assertThat(cache.get("k", String.class)).isEqualTo("value");
	}

	@Test
	void theStoreHasNoExpiryOfItsOwnWhateverTheNullTtl() {
		NearCache shorterNulls = cache(settings("products").ttl(Duration.ofMinutes(10)).nullTtl(Duration.ofSeconds(30)));
		NearCache longerNulls = cache(settings("other").ttl(Duration.ofSeconds(30)).nullTtl(Duration.ofMinutes(10)));
		for (NearCache cache : List.of(shorterNulls, longerNulls)) {
			assertThat(cache.getNativeCache().policy().expireAfterWrite()).isEmpty();
			assertThat(cache.getNativeCache().policy().expireVariably()).isEmpty();
			assertThat(cache.getNativeCache().policy().expireAfterAccess()).isEmpty();
		}
	}

	@Test
	void expiredEntriesNobodyReadsAreSweptAndCounted() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMillis(100)).nullTtl(Duration.ofMillis(100)));
		cache.put("value", "v");
		cache.put("missing", null);
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20))
			.until(() -> cache.getNativeCache().estimatedSize() == 0);
		assertThat(cache.getStatistics().expiryEvictions()).isEqualTo(2);
		assertThat(cache.getStatistics().misses()).isZero();
	}

	@Test
	void expiredNullIsAMissInTheStatisticsAndIsRemoved() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMinutes(10)).nullTtl(Duration.ofMillis(100)));
		cache.put("missing", null);
		assertThat(cache.get("missing")).isNotNull();
		assertThat(cache.getStatistics().hits()).isEqualTo(1);
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> cache.get("missing") == null);
		NearCacheStatistics statistics = cache.getStatistics();
		long reads = statistics.caffeineStats().requestCount();
		assertThat(statistics.hits()).isEqualTo(reads - statistics.misses());
		assertThat(statistics.hits()).isEqualTo(statistics.caffeineStats().hitCount() - 1);
		assertThat(statistics.expiryEvictions()).isEqualTo(1);
		assertThat(cache.getNativeCache().asMap()).doesNotContainKey("missing");
		assertThat(cache.get("missing", String.class)).isNull();
		assertThat(cache.evictIfPresent("missing")).isFalse();
	}

	@Test
	void expiredNullIsAbsentForLoadsAndPutIfAbsent() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMinutes(10)).nullTtl(Duration.ofMillis(50)));
		cache.put("loaded", null);
		cache.put("putIfAbsent", null);
		cache.put("evicted", null);
		cache.put("retrieved", null);
		assertThat(cache.putIfAbsent("putIfAbsent", "ignored")).isNotNull().extracting(ValueWrapper::get).isNull();
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20))
			.until(() -> ((ExpiringNull) cache.getNativeCache().getIfPresent("loaded")).hasExpired(cache.ticker().read()));
		assertThat(cache.get("loaded", () -> "value")).isEqualTo("value");
		assertThat(cache.get("loaded", String.class)).isEqualTo("value");
		assertThat(cache.putIfAbsent("putIfAbsent", "value")).isNull();
		assertThat(cache.get("putIfAbsent", String.class)).isEqualTo("value");
		assertThat(cache.evictIfPresent("evicted")).isFalse();
		assertThat(cache.retrieve("retrieved")).isNull();
		assertThat(cache.retrieve("retrieved", () -> CompletableFuture.completedFuture("value")).join())
			.isEqualTo("value");
	}

	@Test
	void degradedTtlCapsTheNullTtl() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMinutes(10)).nullTtl(Duration.ofMinutes(5)));
		cache.degrade(DegradedMode.SHORT_TTL, Duration.ofMillis(100));
		cache.put("missing", null);
		assertThat(cache.get("missing")).isNotNull();
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> cache.get("missing") == null);
	}

	@Test
	void nullValueRejectedWhenNullsNotAllowed() {
		NearCache cache = cache(settings("products").allowNullValues(false));
		assertThat(cache.isAllowNullValues()).isFalse();
		assertThatThrownBy(() -> cache.put(42L, null)).isInstanceOf(IllegalArgumentException.class);
		assertThat(cache.get(42L)).isNull();
	}

	@Test
	void loaderReturningNullFailsAndCachesNothingWhenNullsNotAllowed() {
		NearCache cache = cache(settings("products").allowNullValues(false));
		assertThatThrownBy(() -> cache.get(42L, () -> null)).isInstanceOf(RuntimeException.class);
		assertThat(cache.get(42L)).isNull();
		assertThat(cache.getNativeCache().asMap()).isEmpty();
	}

	@Test
	void loaderReturningNullIsCachedWhenNullsAllowed() {
		NearCache cache = cache();
		AtomicInteger calls = new AtomicInteger();
		Callable<String> loadsNull = () -> {
			calls.incrementAndGet();
			return null;
		};
		Callable<String> loadsValue = () -> {
			calls.incrementAndGet();
			return "loaded again";
		};
		assertThat(cache.get(42L, loadsNull)).isNull();
		assertThat(cache.get(42L, loadsValue)).isNull();
		assertThat(calls).hasValue(1);
		assertThat(cache.get(42L)).isNotNull();
	}

	// --- get(key, Callable) ---

	@Test
	void getWithLoaderLoadsOnMissAndReturnsCachedValueAfterwards() {
		NearCache cache = cache();
		assertThat(cache.get(42L, () -> "loaded")).isEqualTo("loaded");
		assertThat(cache.get(42L, () -> "other")).isEqualTo("loaded");
		assertThat(cache.get(42L, String.class)).isEqualTo("loaded");
	}

	@Test
	void getWithLoaderIsNotBroadcast() {
		NearCache cache = cache();
		cache.get(42L, () -> "loaded");
		cache.get(new SimpleKey(1, "eu"), () -> "loaded");
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void getWithLoaderWrapsLoaderFailureAndCachesNothing() {
		NearCache cache = cache();
		IllegalStateException failure = new IllegalStateException("db down");
		assertThatThrownBy(() -> cache.get(42L, () -> {
			throw failure;
		})).isInstanceOf(org.springframework.cache.Cache.ValueRetrievalException.class).hasCause(failure);
		assertThat(cache.get(42L)).isNull();
	}

	@Test
	void getWithLoaderLoadsOnceUnderConcurrency() throws Exception {
		NearCache cache = cache();
		int threads = 16;
		AtomicInteger loads = new AtomicInteger();
		CountDownLatch ready = new CountDownLatch(threads);
		CountDownLatch go = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Callable<String> loader = () -> {
			loads.incrementAndGet();
			release.await(5, TimeUnit.SECONDS);
			return "loaded";
		};
		List<Future<String>> results = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			results.add(this.executor.submit(() -> {
				ready.countDown();
				go.await();
				return cache.get(42L, loader);
			}));
		}
		assertThat(ready.await(5, TimeUnit.SECONDS)).isTrue();
		go.countDown();
		// every thread is now either in the loader or waiting for it; let the one load finish
		await().atMost(DEADLINE).until(() -> loads.get() >= 1);
		release.countDown();
		for (Future<String> result : results) {
			assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("loaded");
		}
		assertThat(loads).hasValue(1);
		assertThat(this.publisher.events()).isEmpty();
	}

	// --- retrieve ---

	@Test
	void retrieveOfMissingKeyIsNull() {
		assertThat(cache().retrieve(42L)).isNull();
	}

	@Test
	void retrieveOfPresentKeyIsCompletedFutureOfValueWrapper() {
		NearCache cache = cache();
		cache.put(42L, "answer");
		CompletableFuture<?> future = cache.retrieve(42L);
		assertThat(future).isNotNull().isCompleted();
		assertThat(future.join()).isInstanceOf(ValueWrapper.class);
		assertThat(((ValueWrapper) future.join()).get()).isEqualTo("answer");
	}

	@Test
	void retrieveOfCachedNullIsCompletedFutureOfEmptyWrapper() {
		NearCache cache = cache();
		cache.put(42L, null);
		CompletableFuture<?> future = cache.retrieve(42L);
		assertThat(future).isNotNull().isCompleted();
		assertThat(future.join()).isInstanceOf(ValueWrapper.class);
		assertThat(((ValueWrapper) future.join()).get()).isNull();
	}

	@Test
	void retrieveWithoutNullsIsCompletedFutureOfPlainValue() {
		NearCache cache = cache(settings("products").allowNullValues(false));
		cache.put(42L, "answer");
		CompletableFuture<?> future = cache.retrieve(42L);
		assertThat(future).isNotNull().isCompleted();
		assertThat(future.join()).isEqualTo("answer");
	}

	@Test
	void retrieveWithLoaderLoadsOnceAndIsNotBroadcast() throws Exception {
		NearCache cache = cache();
		AtomicInteger loads = new AtomicInteger();
		CompletableFuture<String> pendingLoad = new CompletableFuture<>();
		int callers = 16;
		CountDownLatch go = new CountDownLatch(1);
		List<Future<CompletableFuture<String>>> results = new ArrayList<>();
		for (int i = 0; i < callers; i++) {
			results.add(this.executor.submit(() -> {
				go.await();
				return cache.retrieve(42L, () -> {
					loads.incrementAndGet();
					return pendingLoad;
				});
			}));
		}
		go.countDown();
		List<CompletableFuture<String>> futures = new ArrayList<>();
		for (Future<CompletableFuture<String>> result : results) {
			futures.add(result.get(5, TimeUnit.SECONDS));
		}
		assertThat(futures).allSatisfy((future) -> assertThat(future).isNotDone());
		pendingLoad.complete("loaded");
		for (CompletableFuture<String> future : futures) {
			assertThat(future.get(5, TimeUnit.SECONDS)).isEqualTo("loaded");
		}
		assertThat(loads).hasValue(1);
		assertThat(cache.get(42L, String.class)).isEqualTo("loaded");
		assertThat(cache.retrieve(42L, () -> CompletableFuture.completedFuture("other")).join()).isEqualTo("loaded");
		assertThat(loads).hasValue(1);
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void retrieveWithLoaderFailureIsPropagatedAndNothingCached() {
		NearCache cache = cache();
		CompletableFuture<String> result = cache.retrieve(42L,
				() -> CompletableFuture.failedFuture(new IllegalStateException("db down")));
		assertThat(result).isCompletedExceptionally();
		assertThat(cache.get(42L)).isNull();
		assertThat(cache.retrieve(42L, () -> CompletableFuture.completedFuture("ok")).join()).isEqualTo("ok");
	}

	@Test
	void retrieveWithLoaderOfNullCachesNothingWhenNullsNotAllowed() {
		NearCache cache = cache(settings("products").allowNullValues(false));
		assertThat(cache.retrieve(42L, () -> CompletableFuture.completedFuture((String) null)).join()).isNull();
		assertThat(cache.get(42L)).isNull();
	}

	// --- invalidations racing loads ---

	@Test
	void invalidationDuringSyncLoadOfLongKeyIsNotLost() throws Exception {
		assertInvalidationDuringSyncLoadIsNotLost(42L, "42");
	}

	@Test
	void invalidationDuringSyncLoadOfSimpleKeyIsNotLost() throws Exception {
		assertInvalidationDuringSyncLoadIsNotLost(new SimpleKey(42L, "eu"), "[\"42\",\"eu\"]");
	}

	private void assertInvalidationDuringSyncLoadIsNotLost(Object key, String canonical) throws Exception {
		NearCache cache = cache();
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Future<Object> load = this.executor.submit(() -> cache.get(key, () -> {
			loading.countDown();
			release.await(5, TimeUnit.SECONDS);
			return "read before the invalidation";
		}));
		assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();
		Thread[] evictor = new Thread[1];
		Future<Integer> eviction = this.executor.submit(() -> {
			evictor[0] = Thread.currentThread();
			return cache.applyRemoteInvalidation(List.of(canonical));
		});
		// the invalidation has either been applied or is waiting for the load to finish
		await().atMost(DEADLINE).until(() -> eviction.isDone() || evictor[0] != null
				&& (evictor[0].getState() == Thread.State.BLOCKED || evictor[0].getState() == Thread.State.WAITING));
		release.countDown();
		assertThat(load.get(5, TimeUnit.SECONDS)).isEqualTo("read before the invalidation");
		eviction.get(5, TimeUnit.SECONDS);
		assertThat(cache.get(key)).as("value loaded before a concurrent invalidation").isNull();
	}

	@Test
	void evictDuringAsyncLoadIsNotUndoneWhenLoadCompletes() {
		NearCache cache = cache();
		CompletableFuture<String> pendingLoad = new CompletableFuture<>();
		CompletableFuture<String> result = cache.retrieve(42L, () -> pendingLoad);
		cache.evict(42L);
		pendingLoad.complete("read before the eviction");
		assertThat(result.join()).isEqualTo("read before the eviction");
		assertThat(cache.get(42L)).isNull();
	}

	@Test
	void remoteInvalidationDuringAsyncLoadIsNotUndoneWhenLoadCompletes() {
		NearCache cache = cache();
		CompletableFuture<String> pendingLoad = new CompletableFuture<>();
		cache.retrieve(42L, () -> pendingLoad);
		cache.applyRemoteInvalidation(List.of("42"));
		pendingLoad.complete("read before the invalidation");
		assertThat(cache.get(42L)).isNull();
	}

	@Test
	void putDuringAsyncLoadIsNotOverwrittenWhenLoadCompletes() {
		NearCache cache = cache();
		CompletableFuture<String> pendingLoad = new CompletableFuture<>();
		cache.retrieve(42L, () -> pendingLoad);
		cache.put(42L, "written");
		pendingLoad.complete("read before the write");
		assertThat(cache.get(42L, String.class)).isEqualTo("written");
	}

	@Test
	void clearDuringAsyncLoadIsNotUndoneWhenLoadCompletes() {
		NearCache cache = cache();
		CompletableFuture<String> pendingLoad = new CompletableFuture<>();
		cache.retrieve(42L, () -> pendingLoad);
		cache.clear();
		pendingLoad.complete("read before the clear");
		assertThat(cache.get(42L)).isNull();
	}

	// --- writes and broadcast ---

	@Test
	void putOutsideFillScopeIsBroadcastWithCanonicalKey() {
		NearCache cache = cache();
		cache.put(42L, "a");
		cache.put(java.util.UUID.fromString("3F2504E0-4F89-11D3-9A0C-0305E82C3301"), "b");
		cache.put(new SimpleKey(42L, "eu"), "c");
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"),
				Event.keys("products", "3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
				Event.keys("products", "[\"42\",\"eu\"]"));
	}

	@Test
	void putIfAbsentThatWritesIsBroadcastAndOneThatFindsAValueIsNot() {
		NearCache cache = cache();
		assertThat(cache.putIfAbsent(42L, "first")).isNull();
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"));
		this.publisher.reset();
		ValueWrapper existing = cache.putIfAbsent(42L, "second");
		assertThat(existing).isNotNull().extracting(ValueWrapper::get).isEqualTo("first");
		assertThat(cache.get(42L, String.class)).isEqualTo("first");
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void hitInsideFillScopeCreatesNoScope() {
		NearCache cache = cache();
		cache.put(42L, "value");
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNotNull();
			assertThat(frames.at(level)).as("no scope object on a hit").isNull();
		}
		finally {
			frames.exit(level);
		}
	}

	@Test
	void putThatFillsAMissInsideFillScopeIsNotBroadcast() {
		NearCache cache = cache();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNull();
			cache.put(42L, "filled");
		}
		finally {
			frames.exit(level);
		}
		assertThat(cache.get(42L, String.class)).isEqualTo("filled");
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void putIfAbsentThatFillsAMissIsNotBroadcast() {
		NearCache cache = cache();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNull();
			assertThat(cache.putIfAbsent(42L, "filled")).isNull();
		}
		finally {
			frames.exit(level);
		}
		assertThat(cache.get(42L, String.class)).isEqualTo("filled");
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void putIfAbsentFillOfAKeyInvalidatedSinceTheMissIsDiscarded() {
		NearCache cache = cache();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNull();
			// The row changed elsewhere while this instance was loading the old one.
			cache.applyRemoteInvalidation(List.of("42"));
			assertThat(cache.putIfAbsent(42L, "loaded before the change")).isNull();
		}
		finally {
			frames.exit(level);
		}
		assertThat(cache.get(42L)).isNull();
		assertThat(this.publisher.events()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void writeOnAnotherThreadDuringAMissIsBroadcastAndTheOlderLoadDiscarded(boolean putIfAbsent) {
		NearCache cache = cache();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNull();
			// A @CachePut on another thread writes the key while this read is loading the old row.
			Thread writer = new Thread(() -> {
				if (putIfAbsent) {
					cache.putIfAbsent(42L, "written");
				}
				else {
					cache.put(42L, "written");
				}
			});
			writer.start();
			joinQuietly(writer);
			cache.put(42L, "loaded before the write");
		}
		finally {
			frames.exit(level);
		}
		assertThat(cache.get(42L, String.class)).isEqualTo("written");
		assertThat(this.publisher.events()).as("the write, not the fill").containsExactly(Event.keys("products", "42"));
	}

	private static void joinQuietly(Thread thread) {
		try {
			thread.join(10_000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void putOfAnotherKeyInsideFillScopeIsBroadcast() {
		NearCache cache = cache();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNull();
			cache.put(43L, "write");
		}
		finally {
			frames.exit(level);
		}
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "43"));
	}

	@Test
	void putAfterFillScopeClosedIsBroadcast() {
		NearCache cache = cache();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			assertThat(cache.get(42L)).isNull();
		}
		finally {
			frames.exit(level);
		}
		cache.put(42L, "write");
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"));
	}

	@Test
	void putOfLongAlsoEvictsStringFormLocally() {
		NearCache cache = cache();
		load(cache, "42", "string entry");
		load(cache, 42, "int entry");
		load(cache, 420L, "other");
		this.publisher.reset();
		cache.put(42L, "long entry");
		assertThat(cache.get("42")).isNull();
		assertThat(cache.get(42)).isNull();
		assertThat(cache.get(42L, String.class)).isEqualTo("long entry");
		assertThat(cache.get(420L, String.class)).isEqualTo("other");
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"));
	}

	@Test
	void putOfSameKeyAgainKeepsTheNewValue() {
		NearCache cache = cache();
		cache.put(42L, "one");
		cache.put(42L, "two");
		assertThat(cache.get(42L, String.class)).isEqualTo("two");
	}

	// --- evict / clear ---

	@Test
	void evictRemovesEntryBeforeReturningAndBroadcastsCanonicalKey() {
		NearCache cache = cache();
		cache.put(42L, "a");
		this.publisher.reset();
		cache.evict(42L);
		assertThat(cache.get(42L)).isNull();
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"));
	}

	@Test
	void evictOfLongKeyAlsoEvictsStringForm() {
		NearCache cache = cache();
		load(cache, "42", "string");
		load(cache, 42L, "long");
		cache.evict(42L);
		assertThat(cache.get("42")).isNull();
		assertThat(cache.get(42L)).isNull();
	}

	@Test
	void evictOfAbsentKeyStillBroadcasts() {
		NearCache cache = cache();
		cache.evict(42L);
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"));
	}

	@Test
	void evictIfPresentTellsWhetherSomethingWasEvictedAndBroadcastsEitherWay() {
		NearCache cache = cache();
		cache.put(42L, "a");
		this.publisher.reset();
		assertThat(cache.evictIfPresent(42L)).isTrue();
		assertThat(cache.get(42L)).isNull();
		assertThat(cache.evictIfPresent(42L)).isFalse();
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "42"), Event.keys("products", "42"));
	}

	@Test
	void evictIfPresentCountsEntryStoredUnderAnotherKeyOfSameForm() {
		NearCache cache = cache();
		cache.put("42", "string");
		assertThat(cache.evictIfPresent(42L)).isTrue();
		assertThat(cache.get("42")).isNull();
	}

	@Test
	void clearEmptiesCacheBeforeReturningAndBroadcastsClearOfThisCache() {
		NearCache cache = cache();
		cache.put(1L, "a");
		cache.put(2L, "b");
		this.publisher.reset();
		cache.clear();
		assertThat(cache.get(1L)).isNull();
		assertThat(cache.get(2L)).isNull();
		assertThat(cache.getNativeCache().asMap()).isEmpty();
		assertThat(this.publisher.events()).containsExactly(Event.clear("products"));
	}

	@Test
	void invalidateTellsWhetherCacheHeldEntriesAndBroadcastsClear() {
		NearCache cache = cache();
		cache.put(1L, "a");
		this.publisher.reset();
		assertThat(cache.invalidate()).isTrue();
		assertThat(cache.get(1L)).isNull();
		assertThat(cache.invalidate()).isFalse();
		assertThat(this.publisher.events()).containsExactly(Event.clear("products"), Event.clear("products"));
	}

	@Test
	void clearLocallyPublishesNothing() {
		NearCache cache = cache();
		cache.put(1L, "a");
		this.publisher.reset();
		assertThat(cache.clearLocally()).isTrue();
		assertThat(cache.get(1L)).isNull();
		assertThat(cache.clearLocally()).isFalse();
		assertThat(this.publisher.events()).isEmpty();
	}

	// --- evictCanonicalLocally ---

	@Test
	void evictCanonicalLocallyEvictsEveryKeyOfThatFormButNotOthers() {
		NearCache cache = cache();
		load(cache, 42L, "long");
		load(cache, 42, "int");
		load(cache, "42", "string");
		load(cache, (short) 42, "short");
		load(cache, 420L, "other long");
		load(cache, "420", "other string");
		load(cache, 4, "other int");
		this.publisher.reset();
		int evicted = cache.evictCanonicalLocally("42");
		assertThat(cache.get(42L)).isNull();
		assertThat(cache.get(42)).isNull();
		assertThat(cache.get("42")).isNull();
		assertThat(cache.get((short) 42)).isNull();
		assertThat(cache.get(420L, String.class)).isEqualTo("other long");
		assertThat(cache.get("420", String.class)).isEqualTo("other string");
		assertThat(cache.get(4, String.class)).isEqualTo("other int");
		assertThat(evicted).isEqualTo(4);
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void evictCanonicalLocallyOfUnknownFormEvictsNothing() {
		NearCache cache = cache();
		cache.put(42L, "long");
		assertThat(cache.evictCanonicalLocally("43")).isZero();
		assertThat(cache.evictCanonicalLocally("not a number")).isZero();
		assertThat(cache.evictCanonicalLocally("042")).isZero();
		assertThat(cache.get(42L, String.class)).isEqualTo("long");
	}

	@Test
	void evictCanonicalLocallyFindsEnumUuidAndBooleanKeys() {
		NearCache cache = cache();
		java.util.UUID uuid = java.util.UUID.randomUUID();
		cache.put(Level.HIGH, "enum");
		cache.put(Level.SPECIAL, "enum with body");
		cache.put(uuid, "uuid");
		cache.put(true, "boolean");
		assertThat(cache.evictCanonicalLocally("HIGH")).isEqualTo(1);
		assertThat(cache.evictCanonicalLocally("SPECIAL")).isEqualTo(1);
		assertThat(cache.evictCanonicalLocally(uuid.toString().toUpperCase())).isZero();
		assertThat(cache.evictCanonicalLocally(uuid.toString())).isEqualTo(1);
		assertThat(cache.evictCanonicalLocally("true")).isEqualTo(1);
		assertThat(cache.getNativeCache().asMap()).isEmpty();
	}

	@Test
	void applyRemoteInvalidationEvictsEveryKeyOfEveryFormAndPublishesNothing() {
		NearCache cache = cache();
		load(cache, 42L, "long");
		load(cache, "42", "string");
		load(cache, 43, "int");
		load(cache, new SimpleKey(1, "eu"), "composite");
		load(cache, 44L, "kept");
		int evicted = cache.applyRemoteInvalidation(List.of("42", "43", "[\"1\",\"eu\"]", "unknown"));
		assertThat(evicted).isEqualTo(4);
		assertThat(cache.get(42L)).isNull();
		assertThat(cache.get("42")).isNull();
		assertThat(cache.get(43)).isNull();
		assertThat(cache.get(new SimpleKey(1, "eu"))).isNull();
		assertThat(cache.get(44L, String.class)).isEqualTo("kept");
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void simpleKeyEntriesAreEvictedByTheirCanonicalForm() {
		NearCache cache = cache();
		load(cache, new SimpleKey(42L, "eu"), "eu");
		load(cache, new SimpleKey(42, "eu"), "same form, other key");
		load(cache, new SimpleKey(42L, "us"), "us");
		this.publisher.reset();
		assertThat(cache.evictCanonicalLocally("[\"42\",\"eu\"]")).isEqualTo(2);
		assertThat(cache.get(new SimpleKey(42L, "eu"))).isNull();
		assertThat(cache.get(new SimpleKey(42, "eu"))).isNull();
		assertThat(cache.get(new SimpleKey(42L, "us"), String.class)).isEqualTo("us");
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void convertedKeyEntriesAreEvictedByTheirCanonicalForm() {
		NearCache cache = new NearCache(settings("products").build(),
				new KeyCanonicalizer(List.of(new SkuConverter()), Set.of()), this.publisher);
		cache.put(new Sku("abc"), "value");
		assertThat(this.publisher.events()).containsExactly(Event.keys("products", "sku:abc"));
		assertThat(cache.evictCanonicalLocally("sku:abc")).isEqualTo(1);
		assertThat(cache.get(new Sku("abc"))).isNull();
	}

	@Test
	void reverseIndexShrinksWhenEntriesAreEvicted() {
		NearCache cache = cache();
		cache.put(new SimpleKey(1, "a"), "1");
		cache.put(new SimpleKey(2, "a"), "2");
		cache.put(42L, "expandable keys are not indexed");
		assertThat(indexedKeys(cache)).isEqualTo(2);
		cache.evict(new SimpleKey(1, "a"));
		await().atMost(DEADLINE).until(() -> indexedKeys(cache) == 1);
		cache.evictCanonicalLocally("[\"2\",\"a\"]");
		await().atMost(DEADLINE).until(() -> indexedKeys(cache) == 0);
	}

	@Test
	void reverseIndexShrinksWhenEntriesExpire() {
		NearCache cache = cache(settings("products").ttl(Duration.ofMillis(100)));
		for (int i = 0; i < 10; i++) {
			cache.put(new SimpleKey(i, "x"), "v" + i);
		}
		assertThat(indexedKeys(cache)).isEqualTo(10);
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> {
			cache.getNativeCache().cleanUp();
			return indexedKeys(cache) == 0;
		});
	}

	@Test
	void reverseIndexShrinksWhenEntriesAreEvictedBySize() {
		NearCache cache = cache(settings("products").maximumSize(5));
		for (int i = 0; i < 50; i++) {
			cache.put(new SimpleKey(i, "x"), "v" + i);
		}
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> {
			cache.getNativeCache().cleanUp();
			return indexedKeys(cache) <= 5;
		});
		assertThat(cache.getNativeCache().estimatedSize()).isLessThanOrEqualTo(5);
	}

	@Test
	void reverseIndexShrinksWhenCacheIsCleared() {
		NearCache cache = cache();
		cache.put(new SimpleKey(1, "a"), "1");
		cache.put(new SimpleKey(2, "a"), "2");
		cache.clear();
		await().atMost(DEADLINE).until(() -> indexedKeys(cache) == 0);
	}

	@Test
	void reverseIndexKeepsKeyThatIsWrittenAgain() {
		NearCache cache = cache();
		SimpleKey key = new SimpleKey(1, "a");
		cache.put(key, "1");
		cache.put(key, "2");
		cache.put(new SimpleKey(3, "a"), "3");
		cache.evict(new SimpleKey(3, "a"));
		await().atMost(DEADLINE).until(() -> indexedKeys(cache) == 1);
		assertThat(cache.evictCanonicalLocally("[\"1\",\"a\"]")).isEqualTo(1);
	}

	// --- key types ---

	@Test
	void broadcastCacheRejectsUnsupportedKeyTypeOnPut() {
		NearCache cache = cache();
		assertThatThrownBy(() -> cache.put(1.5d, "x")).isInstanceOf(UnsupportedCacheKeyException.class)
			.hasMessageContaining("java.lang.Double");
		assertThatThrownBy(() -> cache.put(new Object(), "x")).isInstanceOf(UnsupportedCacheKeyException.class);
		assertThatThrownBy(() -> cache.putIfAbsent(1.5d, "x")).isInstanceOf(UnsupportedCacheKeyException.class);
		assertThatThrownBy(() -> cache.get(1.5d, () -> "x")).isInstanceOf(UnsupportedCacheKeyException.class);
		assertThat(cache.getNativeCache().asMap()).isEmpty();
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void broadcastCacheRejectsSimpleKeyWithUnsupportedElement() {
		NearCache cache = cache();
		assertThatThrownBy(() -> cache.put(new SimpleKey("a", 1.5d), "x"))
			.isInstanceOf(UnsupportedCacheKeyException.class)
			.hasMessageContaining("java.lang.Double");
		assertThat(cache.getNativeCache().asMap()).isEmpty();
	}

	@Test
	void canonicalKeyIsThePublishedForm() {
		NearCache cache = cache();
		assertThat(cache.canonicalKey(new SimpleKey(1L, null))).isEqualTo("[\"1\",null]");
		assertThatThrownBy(() -> cache.canonicalKey(1.5d)).isInstanceOf(UnsupportedCacheKeyException.class);
	}

	@Test
	void localCachePublishesNothing() {
		NearCache cache = cache(settings("local").broadcast(false));
		cache.put(42L, "a");
		cache.putIfAbsent(43L, "b");
		cache.evict(42L);
		cache.evictIfPresent(43L);
		cache.clear();
		cache.invalidate();
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void localCacheAcceptsUnsupportedKeyTypes() {
		NearCache cache = cache(settings("local").broadcast(false));
		Object opaque = new Object();
		cache.put(1.5d, "double");
		cache.put(opaque, "object");
		assertThat(cache.get(1.5d, String.class)).isEqualTo("double");
		assertThat(cache.get(opaque, String.class)).isEqualTo("object");
		assertThat(cache.get(2.5d, () -> "loaded")).isEqualTo("loaded");
		assertThat(cache.evictIfPresent(1.5d)).isTrue();
		assertThat(cache.get(1.5d)).isNull();
		assertThat(this.publisher.events()).isEmpty();
	}

	@Test
	void localCacheStillEvictsCanonicalFormsLocally() {
		NearCache cache = cache(settings("local").broadcast(false));
		cache.put("42", "string");
		cache.put(42L, "long");
		assertThat(cache.get("42")).isNull();
		load(cache, "42", "string");
		assertThat(cache.evictCanonicalLocally("42")).isEqualTo(2);
		assertThat(cache.getNativeCache().asMap()).isEmpty();
	}

	@Test
	void localCacheAcceptsSimpleKeyWithUnsupportedElement() {
		NearCache cache = cache(settings("local").broadcast(false));
		SimpleKey key = new SimpleKey("a", 1.5d);
		cache.put(key, "value");
		assertThat(cache.get(key, String.class)).isEqualTo("value");
		assertThat(cache.evictIfPresent(key)).isTrue();
		assertThat(cache.get(key)).isNull();
	}

	@Test
	void putOfSimpleKeyEvictsOtherSimpleKeyOfSameFormLocally() {
		NearCache cache = cache();
		load(cache, new SimpleKey(42, "eu"), "int");
		cache.put(new SimpleKey(42L, "eu"), "long");
		assertThat(cache.get(new SimpleKey(42, "eu"))).isNull();
		assertThat(cache.get(new SimpleKey(42L, "eu"), String.class)).isEqualTo("long");
	}

	// --- helpers ---

	/** Populate without the write semantics of put: a load evicts nothing and publishes nothing. */
	private static void load(NearCache cache, Object key, Object value) {
		assertThat(cache.get(key, () -> value)).isEqualTo(value);
	}

	private NearCache cache() {
		return cache(settings("products"));
	}

	private NearCache cache(SettingsBuilder settings) {
		return new NearCache(settings.build(), new KeyCanonicalizer(), this.publisher);
	}

	private static SettingsBuilder settings(String name) {
		return new SettingsBuilder(name);
	}

	private static int indexedKeys(NearCache cache) {
		CacheKeys keys = (CacheKeys) ReflectionTestUtils.getField(cache, "keys");
		return keys.indexedKeys();
	}

	enum Level {

		LOW, HIGH,

		SPECIAL {
			@Override
			public String toString() {
				return "special";
			}
		}

	}

	record Sku(String code) {
	}

	static class SkuConverter implements CacheKeyConverter<Sku> {

		@Override
		public Class<Sku> keyType() {
			return Sku.class;
		}

		@Override
		public String toCanonicalString(Sku key) {
			return "sku:" + key.code();
		}

	}

	static final class SettingsBuilder {

		private final String name;

		private Duration ttl = Duration.ofMinutes(5);

		private Duration nullTtl = Duration.ofSeconds(30);

		private long maximumSize = 10_000;

		private boolean allowNullValues = true;

		private boolean broadcast = true;

		SettingsBuilder(String name) {
			this.name = name;
		}

		SettingsBuilder ttl(Duration ttl) {
			this.ttl = ttl;
			return this;
		}

		SettingsBuilder nullTtl(Duration nullTtl) {
			this.nullTtl = nullTtl;
			return this;
		}

		SettingsBuilder maximumSize(long maximumSize) {
			this.maximumSize = maximumSize;
			return this;
		}

		SettingsBuilder allowNullValues(boolean allowNullValues) {
			this.allowNullValues = allowNullValues;
			return this;
		}

		SettingsBuilder broadcast(boolean broadcast) {
			this.broadcast = broadcast;
			return this;
		}

		NearCacheSettings build() {
			return new NearCacheSettings(this.name, this.ttl, this.nullTtl, this.maximumSize, this.allowNullValues,
					this.broadcast);
		}

	}

	/** What the cache asked the transport to send. */
	record Event(String kind, @Nullable String cache, List<String> keys) {

		static Event keys(String cache, String... keys) {
			return new Event("invalidate", cache, List.of(keys));
		}

		static Event clear(@Nullable String cache) {
			return new Event("clear", cache, List.of());
		}

	}

	/** Records what would be published; our own interface, not a Redis mock. */
	static final class RecordingPublisher implements InvalidationPublisher {

		private final List<Event> events = new CopyOnWriteArrayList<>();

		@Override
		public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
			this.events.add(new Event("invalidate", cacheName, List.copyOf(canonicalKeys)));
		}

		@Override
		public void publishClear(@Nullable String cacheName) {
			this.events.add(new Event("clear", cacheName, List.of()));
		}

		List<Event> events() {
			return List.copyOf(this.events);
		}

		void reset() {
			this.events.clear();
		}

	}

}
