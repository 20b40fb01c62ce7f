package dev.nearcache.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.cache.interceptor.SimpleKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests for {@link NearCacheInvalidator}.
 */
class NearCacheInvalidatorTests {

	private final RecordingPublisher publisher = new RecordingPublisher();

	private final NearCacheManager manager = manager(true);

	private final NearCacheInvalidator invalidator = new NearCacheInvalidator(this.manager);

	@Test
	void invalidateEvictsLocallyBeforeReturningAndPublishesCanonicalKey() {
		NearCache products = this.manager.getCache("products");
		products.put(42L, "a");
		products.put(43L, "b");
		this.publisher.events.clear();
		this.invalidator.invalidate("products", 42L);
		assertThat(products.get(42L)).isNull();
		assertThat(products.get(43L, String.class)).isEqualTo("b");
		assertThat(this.publisher.events).containsExactly("invalidate products [42]");
	}

	@Test
	void invalidateByStringFormEvictsLongKey() {
		NearCache products = this.manager.getCache("products");
		products.put(42L, "a");
		this.publisher.events.clear();
		this.invalidator.invalidate("products", "42");
		assertThat(products.get(42L)).isNull();
		assertThat(this.publisher.events).containsExactly("invalidate products [42]");
	}

	@Test
	void invalidateByLongEvictsStringKey() {
		NearCache products = this.manager.getCache("products");
		products.put("42", "a");
		this.invalidator.invalidate("products", 42L);
		assertThat(products.get("42")).isNull();
	}

	@Test
	void invalidateOfSimpleKeyEvictsItAndPublishesItsJsonForm() {
		NearCache products = this.manager.getCache("products");
		products.put(new SimpleKey(42L, "eu"), "a");
		products.put(new SimpleKey(42L, "us"), "b");
		this.publisher.events.clear();
		this.invalidator.invalidate("products", new SimpleKey(42L, "eu"));
		assertThat(products.get(new SimpleKey(42L, "eu"))).isNull();
		assertThat(products.get(new SimpleKey(42L, "us"), String.class)).isEqualTo("b");
		assertThat(this.publisher.events).containsExactly("invalidate products [[\"42\",\"eu\"]]");
	}

	@Test
	void invalidateOfSimpleKeyByItsCanonicalForm() {
		NearCache products = this.manager.getCache("products");
		products.put(new SimpleKey(42L, "eu"), "a");
		this.invalidator.invalidate("products", "[\"42\",\"eu\"]");
		assertThat(products.get(new SimpleKey(42L, "eu"))).isNull();
	}

	@Test
	void invalidateAllEvictsEveryKeyAndPublishesThemTogether() {
		NearCache products = this.manager.getCache("products");
		products.put(1L, "a");
		products.put("2", "b");
		products.put(3L, "c");
		this.publisher.events.clear();
		this.invalidator.invalidateAll("products", List.of(1L, 2L, "4"));
		assertThat(products.get(1L)).isNull();
		assertThat(products.get("2")).isNull();
		assertThat(products.get(3L, String.class)).isEqualTo("c");
		assertThat(this.publisher.events).containsExactly("invalidate products [1, 2, 4]");
	}

	@Test
	void invalidateAllOfNoKeysPublishesNothing() {
		this.manager.getCache("products");
		this.invalidator.invalidateAll("products", List.of());
		assertThat(this.publisher.events).isEmpty();
	}

	@Test
	void invalidateOfUnsupportedKeyTypeIsRejectedBeforeAnythingIsPublished() {
		this.manager.getCache("products");
		assertThatThrownBy(() -> this.invalidator.invalidateAll("products", List.of(1L, 1.5d)))
			.isInstanceOf(UnsupportedCacheKeyException.class)
			.hasMessageContaining("java.lang.Double");
		assertThat(this.publisher.events).isEmpty();
	}

	@Test
	void clearEmptiesCacheLocallyAndPublishesClear() {
		NearCache products = this.manager.getCache("products");
		NearCache orders = this.manager.getCache("orders");
		products.put(1L, "a");
		orders.put(1L, "o");
		this.publisher.events.clear();
		this.invalidator.clear("products");
		assertThat(products.get(1L)).isNull();
		assertThat(orders.get(1L, String.class)).isEqualTo("o");
		assertThat(this.publisher.events).containsExactly("clear products");
	}

	@Test
	void clearAllEmptiesEveryCacheLocallyAndPublishesClearOfEverything() {
		NearCache products = this.manager.getCache("products");
		NearCache orders = this.manager.getCache("orders");
		products.put(1L, "a");
		orders.put(1L, "o");
		this.publisher.events.clear();
		this.invalidator.clearAll();
		assertThat(products.get(1L)).isNull();
		assertThat(orders.get(1L)).isNull();
		assertThat(this.publisher.events).containsExactly("clear null");
	}

	@Test
	void cacheNotPresentLocallyIsStillInvalidatedOnOtherInstances() {
		this.invalidator.invalidate("elsewhere", 42L);
		this.invalidator.clear("elsewhere");
		assertThat(this.publisher.events).containsExactly("invalidate elsewhere [42]", "clear elsewhere");
		assertThat(this.manager.findCache("elsewhere")).as("invalidating does not create the cache").isNull();
	}

	@Test
	void unknownCacheOfNonDynamicManagerIsRejectedNamingIt() {
		NearCacheInvalidator strict = new NearCacheInvalidator(manager(false));
		assertThatIllegalArgumentException().isThrownBy(() -> strict.invalidate("unknown-cache", 42L))
			.withMessageContaining("'unknown-cache'");
		assertThatIllegalArgumentException().isThrownBy(() -> strict.invalidateAll("unknown-cache", List.of("1")))
			.withMessageContaining("'unknown-cache'");
		assertThatIllegalArgumentException().isThrownBy(() -> strict.clear("unknown-cache"))
			.withMessageContaining("'unknown-cache'")
			.withMessageContaining("products");
		assertThat(this.publisher.events).isEmpty();
	}

	@Test
	void configuredCacheOfNonDynamicManagerIsInvalidated() {
		NearCacheManager strictManager = manager(false);
		NearCacheInvalidator strict = new NearCacheInvalidator(strictManager);
		strictManager.getCache("products").put(42L, "a");
		this.publisher.events.clear();
		strict.invalidate("products", "42");
		assertThat(strictManager.getCache("products").get(42L)).isNull();
		assertThat(this.publisher.events).containsExactly("invalidate products [42]");
	}

	@Test
	void localCacheIsInvalidatedLocallyButNothingIsPublished() {
		NearCache local = this.manager.getCache("local");
		local.put(42L, "a");
		local.put(43L, "b");
		this.invalidator.invalidate("local", "42");
		this.invalidator.clear("local");
		assertThat(local.get(42L)).isNull();
		assertThat(local.get(43L)).isNull();
		assertThat(this.publisher.events).isEmpty();
	}

	@Test
	void localCacheEntryWithUnsupportedKeyTypeCanBeInvalidated() {
		NearCache local = this.manager.getCache("local");
		local.put(1.5d, "a");
		this.invalidator.invalidate("local", 1.5d);
		assertThat(local.get(1.5d)).isNull();
		assertThat(this.publisher.events).isEmpty();
	}

	private NearCacheManager manager(boolean dynamic) {
		NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		NearCacheSettings products = defaults.withName("products");
		NearCacheSettings local = new NearCacheSettings("local", Duration.ofMinutes(5), Duration.ofSeconds(30), 1000,
				true, false);
		return new NearCacheManager(defaults, List.of(products, local), dynamic, new KeyCanonicalizer(),
				this.publisher);
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
