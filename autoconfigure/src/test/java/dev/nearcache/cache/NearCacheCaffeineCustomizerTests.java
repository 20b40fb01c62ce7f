package dev.nearcache.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.RemovalCause;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link NearCacheCaffeineCustomizer} and {@link CaffeineOptions}, and for the settings of
 * {@link NearCacheManager} a {@code CacheManagerCustomizer} can change.
 */
class NearCacheCaffeineCustomizerTests {

	/** Runs maintenance and notifications on the calling thread, counting them. */
	private final CountingExecutor executor = new CountingExecutor();

	private final NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5),
			Duration.ofSeconds(30), 10_000, true, true);

	@Test
	void customizerIsCalledForEveryCacheWithItsSettings() {
		List<String> customized = new CopyOnWriteArrayList<>();
		NearCacheManager manager = manager(List.of(settings("products")), true,
				(settings, options) -> customized.add(settings.name()));
		manager.getCache("orders");
		assertThat(customized).as("tried on the defaults at startup, then every cache")
			.containsExactly("default", "products", "orders");
	}

	@Test
	void weigher_boundsTheCacheByWeightSeeingTheApplicationsValues() {
		List<Object> weighed = new CopyOnWriteArrayList<>();
		NearCacheManager manager = manager(List.of(settings("products")), false, (settings, options) -> options
			.executor(this.executor)
			.weigher((Object key, Object value) -> {
				weighed.add(value);
				return ((String) value).length();
			}, 10));
		NearCache cache = manager.getCache("products");
		cache.put(1L, "12345");
		cache.put(2L, "123456");
		cache.getNativeCache().cleanUp();
		assertThat(weighed).contains("12345", "123456");
		assertThat(cache.getNativeCache().policy().eviction().orElseThrow().getMaximum()).isEqualTo(10);
		assertThat(cache.getNativeCache().estimatedSize()).as("11 > 10: one was evicted").isEqualTo(1);
	}

	@Test
	void weigher_maximumWeightComesBackAfterBypass() {
		NearCacheManager manager = manager(List.of(settings("products")), false,
				(settings, options) -> options.weigher((Object key, Object value) -> 1, 42));
		manager.degrade(DegradedMode.BYPASS, Duration.ofSeconds(5));
		NearCache cache = manager.getCache("products");
		assertThat(cache.getNativeCache().policy().eviction().orElseThrow().getMaximum()).isZero();
		manager.restore();
		assertThat(cache.getNativeCache().policy().eviction().orElseThrow().getMaximum()).isEqualTo(42);
	}

	@Test
	void removalListener_isCalledAfterNearcachesBookkeepingWithTheApplicationsValues() {
		List<String> removals = new CopyOnWriteArrayList<>();
		NearCacheManager manager = manager(List.of(settings("products")), false,
				(settings, options) -> options.executor(this.executor)
					.removalListener((Object key, Object value, RemovalCause cause) -> removals
						.add(key + "=" + value + " " + cause)));
		NearCache cache = manager.getCache("products");
		cache.put(1L, "one");
		cache.put(2L, null);
		cache.put(3L, "three");
		cache.evict(1L);
		cache.applyRemoteInvalidation(List.of("2"));
		cache.clearLocally();
		assertThat(removals).containsExactlyInAnyOrder("1=one EXPLICIT", "2=null EXPLICIT", "3=three EXPLICIT");
		assertThat(cache.getStatistics().toString()).isNotEmpty();
		assertThat(this.executor.tasks.get()).as("notifications ran on the application's executor").isPositive();
	}

	@Test
	void initialCapacity_isAccepted() {
		NearCacheManager manager = manager(List.of(settings("products")), false,
				(settings, options) -> options.initialCapacity(1_000));
		NearCache cache = manager.getCache("products");
		cache.put(1L, "one");
		assertThat(cache.get(1L).get()).isEqualTo("one");
	}

	@Test
	void expireAfterAccess_isRefusedAtStartupSayingWhy() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> manager(List.of(), true,
					(settings, options) -> options.expireAfterAccess(Duration.ofMinutes(1))))
			.withMessageContaining("expireAfterAccess cannot be used on a near cache")
			.withMessageContaining("stale forever")
			.withMessageContaining("nearcache.caches.<name>.ttl");
	}

	@Test
	void variableExpiry_isRefusedAtStartupSayingWhy() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> manager(List.of(), true,
					(settings, options) -> options.expireAfter(
							com.github.benmanes.caffeine.cache.Expiry.writing((Object key, Object value) -> Duration.ZERO))))
			.withMessageContaining("A variable Expiry cannot be used on a near cache")
			.withMessageContaining("write expiry");
	}

	// --- what a CacheManagerCustomizer<NearCacheManager> can set ---

	@Test
	void setCacheNames_createsThoseCachesAndNoOthers() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		manager.setCacheNames(List.of("orders", "products"));
		assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("products", "orders");
		assertThat(manager.isDynamic()).isFalse();
		assertThat(manager.getCache("unknown")).isNull();
		assertThat(manager.findCache("products").getSettings().ttl()).isEqualTo(Duration.ofSeconds(10));
		assertThat(manager.findCache("orders").getSettings().ttl()).isEqualTo(this.defaults.ttl());
	}

	@Test
	void setAllowNullValues_appliesToEveryCache() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		manager.setAllowNullValues(false);
		assertThat(manager.findCache("products").isAllowNullValues()).isFalse();
		assertThat(manager.getCache("orders").isAllowNullValues()).isFalse();
	}

	@Test
	void setDynamic_switchesCreationOnFirstUse() {
		NearCacheManager manager = manager(List.of(), true);
		manager.setDynamic(false);
		assertThat(manager.getCache("orders")).isNull();
	}

	@Test
	void addCaffeineCustomizer_reshapesTheConfiguredCaches() {
		NearCacheManager manager = manager(List.of(settings("products")), false);
		manager.addCaffeineCustomizer((settings, options) -> options.weigher((Object key, Object value) -> 1, 7));
		assertThat(manager.findCache("products").getNativeCache().policy().eviction().orElseThrow().getMaximum())
			.isEqualTo(7);
	}

	@Test
	void settingsAreFixedOnceTheCachesAreUsed() {
		NearCacheManager manager = manager(List.of(settings("products")), true);
		manager.getCache("products");
		assertThatIllegalStateException().isThrownBy(() -> manager.setAllowNullValues(false))
			.withMessageContaining("CacheManagerCustomizer<NearCacheManager>");
		assertThatIllegalStateException().isThrownBy(() -> manager.setCacheNames(List.of("orders")));
		assertThatIllegalStateException().isThrownBy(() -> manager.setDynamic(false));
		assertThatIllegalStateException()
			.isThrownBy(() -> manager.addCaffeineCustomizer((settings, options) -> options.initialCapacity(1)));
	}

	private NearCacheManager manager(List<NearCacheSettings> configured, boolean dynamic,
			NearCacheCaffeineCustomizer... customizers) {
		return new NearCacheManager(this.defaults, configured, dynamic, new KeyCanonicalizer(),
				InvalidationPublisher.NONE, new ArrayList<>(List.of(customizers)));
	}

	private static NearCacheSettings settings(String name) {
		return new NearCacheSettings(name, Duration.ofSeconds(10), Duration.ofSeconds(1), 100, true, true);
	}

	static final class CountingExecutor implements Executor {

		final AtomicInteger tasks = new AtomicInteger();

		@Override
		public void execute(Runnable command) {
			this.tasks.incrementAndGet();
			command.run();
		}

	}

}
