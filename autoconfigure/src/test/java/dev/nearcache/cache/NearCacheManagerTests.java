package dev.nearcache.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link NearCacheManager}.
 */
class NearCacheManagerTests {

	private final RecordingPublisher publisher = new RecordingPublisher();

	private final KeyCanonicalizer canonicalizer = new KeyCanonicalizer();

	private final NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5),
			Duration.ofSeconds(30), 10_000, true, true);

	@Test
	void configuredCachesExistAtStartWithTheirOwnSettings() {
		NearCacheSettings products = new NearCacheSettings("products", Duration.ofSeconds(10), Duration.ofSeconds(1),
				5, false, true);
		NearCacheSettings local = new NearCacheSettings("local", Duration.ofMinutes(1), Duration.ofSeconds(1), 100,
				true, false);
		NearCacheManager manager = manager(List.of(products, local), true);
		assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("products", "local");
		assertThat(manager.findCache("products")).isNotNull()
			.extracting(NearCache::getSettings)
			.isEqualTo(products);
		assertThat(manager.findCache("local")).isNotNull().extracting(NearCache::getSettings).isEqualTo(local);
		assertThat(manager.caches()).extracting(NearCache::getName).containsExactlyInAnyOrder("products", "local");
	}

	@Test
	void getCacheReturnsTheSameInstanceEveryTime() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		assertThat(manager.getCache("products")).isSameAs(manager.getCache("products"))
			.isSameAs(manager.findCache("products"));
		assertThat(manager.getCache("dynamic")).isSameAs(manager.getCache("dynamic"));
	}

	@Test
	void dynamicManagerCreatesUnknownCacheOnFirstUseWithDefaults() {
		NearCacheManager manager = manager(List.of(), true);
		assertThat(manager.getCacheNames()).isEmpty();
		NearCache orders = manager.getCache("orders");
		assertThat(orders).isNotNull();
		assertThat(orders.getName()).isEqualTo("orders");
		assertThat(orders.getSettings()).isEqualTo(this.defaults.withName("orders"));
		assertThat(manager.getCacheNames()).containsExactly("orders");
		assertThat(manager.isDynamic()).isTrue();
		assertThat(manager.isKnown("anything")).isTrue();
	}

	@Test
	void dynamicCreationUnderConcurrencyCreatesOneCache() throws Exception {
		NearCacheManager manager = manager(List.of(), true);
		List<NearCache> created = new CopyOnWriteArrayList<>();
		manager.forEachCache(created::add);
		ExecutorService executor = Executors.newFixedThreadPool(8);
		try {
			CountDownLatch go = new CountDownLatch(1);
			List<Future<NearCache>> results = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				results.add(executor.submit(() -> {
					go.await();
					return manager.getCache("orders");
				}));
			}
			go.countDown();
			NearCache first = results.get(0).get(5, TimeUnit.SECONDS);
			for (Future<NearCache> result : results) {
				assertThat(result.get(5, TimeUnit.SECONDS)).isSameAs(first);
			}
			assertThat(created).containsExactly(first);
		}
		finally {
			executor.shutdownNow();
		}
	}

	@Test
	void nonDynamicManagerReturnsNullForUnknownNames() {
		NearCacheManager manager = manager(List.of(settings("products")), false);
		assertThat(manager.getCache("orders")).isNull();
		assertThat(manager.getCache("orders")).isNull();
		assertThat(manager.getCacheNames()).containsExactly("products");
		assertThat(manager.getCache("products")).isNotNull();
		assertThat(manager.isDynamic()).isFalse();
		assertThat(manager.isKnown("products")).isTrue();
		assertThat(manager.isKnown("orders")).isFalse();
	}

	@Test
	void findCacheNeverCreates() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		assertThat(manager.findCache("orders")).isNull();
		assertThat(manager.getCacheNames()).containsExactly("products");
		assertThat(manager.caches()).hasSize(1);
		assertThat(manager.findCache("products")).isNotNull();
	}

	@Test
	void cachesIsASnapshot() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		Collection<NearCache> snapshot = manager.caches();
		manager.getCache("orders");
		assertThat(snapshot).extracting(NearCache::getName).containsExactly("products");
		assertThat(manager.caches()).extracting(NearCache::getName).containsExactlyInAnyOrder("products", "orders");
	}

	@Test
	void forEachCacheSeesExistingAndLaterCaches() {
		NearCacheManager manager = manager(List.of(settings("products"), settings("local")), true);
		List<String> seen = new ArrayList<>();
		manager.forEachCache((cache) -> seen.add(cache.getName()));
		assertThat(seen).containsExactlyInAnyOrder("products", "local");
		manager.getCache("orders");
		manager.getCache("orders");
		manager.getCache("products");
		manager.findCache("never");
		assertThat(seen).containsExactlyInAnyOrder("products", "local", "orders");
	}

	@Test
	void everyForEachCacheListenerIsCalled() {
		NearCacheManager manager = manager(List.of(), true);
		List<String> first = new ArrayList<>();
		List<String> second = new ArrayList<>();
		manager.forEachCache((cache) -> first.add(cache.getName()));
		manager.getCache("a");
		manager.forEachCache((cache) -> second.add(cache.getName()));
		manager.getCache("b");
		assertThat(first).containsExactly("a", "b");
		assertThat(second).containsExactly("a", "b");
	}

	@Test
	void clearAllLocallyClearsEveryCacheAndPublishesNothing() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		NearCache products = manager.getCache("products");
		NearCache orders = manager.getCache("orders");
		products.put(1L, "p");
		orders.put(2L, "o");
		this.publisher.events.clear();
		manager.clearAllLocally();
		assertThat(products.get(1L)).isNull();
		assertThat(orders.get(2L)).isNull();
		assertThat(this.publisher.events).isEmpty();
	}

	@Test
	void clearBroadcastingLocallyLeavesLocalCachesAndPublishesNothing() {
		NearCacheSettings localSettings = new NearCacheSettings("local", Duration.ofMinutes(1), Duration.ofSeconds(1),
				100, true, false);
		NearCacheManager manager = manager(List.of(settings("products"), localSettings), true);
		NearCache products = manager.getCache("products");
		NearCache local = manager.getCache("local");
		products.put(1L, "p");
		local.put(1L, "l");
		this.publisher.events.clear();
		manager.clearBroadcastingLocally();
		assertThat(products.get(1L)).isNull();
		assertThat(local.get(1L, String.class)).isEqualTo("l");
		assertThat(this.publisher.events).isEmpty();
	}

	@Test
	void cachesShareTheManagersCanonicalizerAndPublisher() {
		NearCacheManager manager = manager(List.of(), true);
		assertThat(manager.getKeyCanonicalizer()).isSameAs(this.canonicalizer);
		assertThat(manager.getPublisher()).isSameAs(this.publisher);
		manager.getCache("orders").put(42L, "x");
		assertThat(this.publisher.events).containsExactly("invalidate orders [42]");
	}

	@Test
	void cacheNamesViewIsReadOnly() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		assertThat(manager.getCacheNames()).isUnmodifiable();
	}

	@Test
	void cacheCreatedWhileDegradeRunsIsDegraded() throws Exception {
		PausingManager manager = new PausingManager();
		CompletableFuture<NearCache> creating = CompletableFuture.supplyAsync(() -> manager.getCache("late"));
		assertThat(manager.constructing.await(10, TimeUnit.SECONDS)).isTrue();
		Thread degrading = new Thread(() -> manager.degrade(DegradedMode.BYPASS, Duration.ofSeconds(1)));
		degrading.start();
		// Either degrade() waits for the creation, or it ran past the cache that is not registered yet.
		await().atMost(Duration.ofSeconds(10))
			.until(() -> degrading.getState() == Thread.State.BLOCKED || !degrading.isAlive());
		manager.proceed.countDown();
		NearCache cache = creating.get(10, TimeUnit.SECONDS);
		degrading.join(10_000);
		assertThat(manager.getDegradedMode()).isEqualTo(DegradedMode.BYPASS);
		assertThat(cache.getDegradedMode()).isEqualTo(DegradedMode.BYPASS);
	}

	@Test
	void cacheCreatedWhileRestoreRunsIsRestored() throws Exception {
		PausingManager manager = new PausingManager();
		manager.degrade(DegradedMode.BYPASS, Duration.ofSeconds(1));
		CompletableFuture<NearCache> creating = CompletableFuture.supplyAsync(() -> manager.getCache("late"));
		assertThat(manager.constructing.await(10, TimeUnit.SECONDS)).isTrue();
		Thread restoring = new Thread(manager::restore);
		restoring.start();
		await().atMost(Duration.ofSeconds(10))
			.until(() -> restoring.getState() == Thread.State.BLOCKED || !restoring.isAlive());
		manager.proceed.countDown();
		NearCache cache = creating.get(10, TimeUnit.SECONDS);
		restoring.join(10_000);
		assertThat(manager.getDegradedMode()).isNull();
		assertThat(cache.getDegradedMode()).isNull();
		cache.put("k", "v");
		assertThat(cache.get("k")).isNotNull();
	}

	private NearCacheManager manager(List<NearCacheSettings> configured, boolean dynamic) {
		return new NearCacheManager(this.defaults, configured, dynamic, this.canonicalizer, this.publisher);
	}

	private static NearCacheSettings settings(String name) {
		return new NearCacheSettings(name, Duration.ofMinutes(1), Duration.ofSeconds(10), 100, true, true);
	}

	/** A manager whose cache construction waits for the test: creation held between its two halves. */
	private final class PausingManager extends NearCacheManager {

		final CountDownLatch constructing = new CountDownLatch(1);

		final CountDownLatch proceed = new CountDownLatch(1);

		PausingManager() {
			super(NearCacheManagerTests.this.defaults, List.of(), true, NearCacheManagerTests.this.canonicalizer,
					NearCacheManagerTests.this.publisher);
		}

		@Override
		NearCache newCache(NearCacheSettings settings) {
			this.constructing.countDown();
			try {
				this.proceed.await(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return super.newCache(settings);
		}

	}

	/** Records what would be published; our own interface, not a Redis mock. */
	static final class RecordingPublisher implements InvalidationPublisher {

		final List<String> events = new CopyOnWriteArrayList<>();

		@Override
		public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
			this.events.add("invalidate " + cacheName + " " + canonicalKeys);
		}

		@Override
		public void publishClear(@Nullable String cacheName) {
			this.events.add("clear " + cacheName);
		}

	}

}
