package dev.nearcache.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;
import dev.nearcache.invalidation.DropReason;
import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link NearCacheEndpoint} on its own: what it evicts and when it hands an invalidation to the publisher.
 */
class NearCacheEndpointTests {

	private static final NearCacheSettings DEFAULTS = new NearCacheSettings("default", Duration.ofMinutes(5),
			Duration.ofSeconds(30), 100, true, true);

	private final RecordingPublisher publisher = new RecordingPublisher();

	private NearCacheManager manager;

	@Test
	void evict_key_evictsEveryRepresentationAndQueuesTheInvalidation() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		NearCache products = products();
		products.get(42L, () -> "long");
		products.get("42", () -> "string");

		EvictionDescriptor result = endpoint.evict("products", "42", null, null);

		assertThat(result).isEqualTo(new EvictionDescriptor(List.of("products"), "42", "cluster", 2, true));
		assertThat(products.getNativeCache().asMap()).isEmpty();
		assertThat(this.publisher.sent).containsExactly("invalidate products [42]");
	}

	@Test
	void evict_all_clearsAndQueuesTheClear() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		NearCache products = products();
		products.getNativeCache().put(1L, "a");
		products.getNativeCache().put(2L, "b");

		EvictionDescriptor result = endpoint.evict("products", null, true, "CLUSTER");

		assertThat(result).isEqualTo(new EvictionDescriptor(List.of("products"), null, "cluster", 2, true));
		assertThat(products.getNativeCache().asMap()).isEmpty();
		assertThat(this.publisher.sent).containsExactly("clear products");
	}

	@Test
	void evict_localScope_publishesNothing() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		products().put(1L, "a");
		this.publisher.sent.clear();

		assertThat(endpoint.evict("products", "1", null, "local").broadcast()).isFalse();
		assertThat(endpoint.evict("products", null, true, "local").broadcast()).isFalse();
		assertThat(endpoint.clearAll("local").broadcast()).isFalse();
		assertThat(this.publisher.sent).isEmpty();
	}

	@Test
	void evict_localOnlyMode_evictsHereAndReportsNoBroadcast() {
		NearCacheEndpoint endpoint = endpoint(InvalidationPublisher.NONE);
		products().put(1L, "a");

		EvictionDescriptor key = endpoint.evict("products", "1", null, null);
		EvictionDescriptor all = endpoint.clearAll(null);

		assertThat(key.evicted()).isEqualTo(1);
		assertThat(key.broadcast()).isFalse();
		assertThat(all.broadcast()).isFalse();
	}

	@Test
	void evict_cacheThatDoesNotBroadcast_reportsNoBroadcast() {
		NearCacheManager manager = new NearCacheManager(DEFAULTS,
				List.of(new NearCacheSettings("local", Duration.ofMinutes(5), Duration.ofSeconds(30), 100, true, false)),
				true, new KeyCanonicalizer(), this.publisher);
		NearCacheEndpoint endpoint = new NearCacheEndpoint(manager, statistics(TransportState.SUBSCRIBED));
		manager.getCache("local").put(1L, "a");

		EvictionDescriptor result = endpoint.evict("local", "1", null, null);

		assertThat(result.evicted()).isEqualTo(1);
		assertThat(result.broadcast()).isFalse();
		assertThat(this.publisher.sent).isEmpty();
	}

	@Test
	void clearAll_clearsEveryCacheAndQueuesOneClear() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		products().getNativeCache().put(1L, "a");
		this.manager.getCache("prices").getNativeCache().put(1L, "1.00");

		EvictionDescriptor result = endpoint.clearAll(null);

		assertThat(result).isEqualTo(new EvictionDescriptor(List.of("prices", "products"), null, "cluster", 2, true));
		assertThat(this.publisher.sent).containsExactly("clear *");
	}

	@Test
	void evict_invalidRequests_areRejectedBeforeAnythingIsEvicted() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		products().getNativeCache().put(1L, "a");

		assertInvalid(() -> endpoint.evict("products", null, null, null), "\"key\"");
		assertInvalid(() -> endpoint.evict("products", null, false, null), "\"key\"");
		assertInvalid(() -> endpoint.evict("products", "1", true, null), "not both");
		assertInvalid(() -> endpoint.evict("products", "1", null, "everywhere"), "Unknown scope 'everywhere'");
		assertInvalid(() -> endpoint.clearAll("everywhere"), "Unknown scope 'everywhere'");
		assertThat(products().getNativeCache().asMap()).hasSize(1);
		assertThat(this.publisher.sent).isEmpty();
	}

	@Test
	void unknownCache_isNullAndNeverCreated() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);

		assertThat(endpoint.cache("nope")).isNull();
		assertThat(endpoint.evict("nope", "1", null, null)).isNull();
		assertThat(this.manager.findCache("nope")).isNull();
		assertThat(this.publisher.sent).isEmpty();
	}

	@Test
	void instance_reportsStateAndCaches() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		products().get(1L);

		InstanceDescriptor instance = endpoint.instance();

		assertThat(instance.state()).isEqualTo("SUBSCRIBED");
		assertThat(instance.degradedMode()).isNull();
		assertThat(instance.lastMessageReceivedAt()).isNull();
		assertThat(instance.caches()).containsOnlyKeys("products");
		CacheDescriptor products = instance.caches().get("products");
		assertThat(products.misses()).isEqualTo(1);
		assertThat(products.hitRatio()).isZero();
		assertThat(endpoint.cache("products").hitRatio()).isZero();
		assertThat(instance.counters().dropped()).containsEntry("malformed", 0L).hasSize(DropReason.values().length);
		assertThat(instance.counters().flushes()).containsEntry("reconnect", 0L)
			.hasSize(FlushReason.values().length);
	}

	@Test
	void instance_whileDegraded_reportsTheMode() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		this.manager.degrade(DegradedMode.SHORT_TTL, Duration.ofSeconds(5));

		assertThat(endpoint.instance().degradedMode()).isEqualTo("SHORT_TTL");
		assertThat(endpoint.cache("products").degradedMode()).isEqualTo("SHORT_TTL");
		this.manager.restore();
		assertThat(endpoint.instance().degradedMode()).isNull();
		assertThat(endpoint.cache("products").degradedMode()).isNull();
	}

	@Test
	void instance_withOneCacheDegraded_reportsItsMode() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		products().degrade(DegradedMode.BYPASS, Duration.ofSeconds(5));

		assertThat(endpoint.instance().degradedMode()).as("sharded mode degrades per channel").isEqualTo("BYPASS");
		assertThat(endpoint.cache("products").degradedMode()).isEqualTo("BYPASS");
	}

	@Test
	void cache_beforeAnyLookup_hasNoHitRatio() {
		NearCacheEndpoint endpoint = endpoint(this.publisher);
		products();

		assertThat(endpoint.cache("products").hitRatio()).isNull();
	}

	private NearCacheEndpoint endpoint(InvalidationPublisher publisher) {
		this.manager = new NearCacheManager(DEFAULTS, List.of(DEFAULTS.withName("products")), true,
				new KeyCanonicalizer(), publisher);
		return new NearCacheEndpoint(this.manager, statistics(TransportState.SUBSCRIBED));
	}

	private NearCache products() {
		return this.manager.getCache("products");
	}

	private static InvalidationStatistics statistics(TransportState state) {
		return new InvalidationStatistics("test-1", "nearcache:test", state);
	}

	private static void assertInvalid(Runnable request, String reason) {
		assertThatExceptionOfType(InvalidEndpointRequestException.class).isThrownBy(request::run)
			.satisfies((ex) -> assertThat(ex.getReason()).contains(reason));
	}

	private static final class RecordingPublisher implements InvalidationPublisher {

		final List<String> sent = new ArrayList<>();

		@Override
		public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
			this.sent.add("invalidate " + cacheName + " " + canonicalKeys);
		}

		@Override
		public void publishClear(@Nullable String cacheName) {
			this.sent.add("clear " + ((cacheName != null) ? cacheName : "*"));
		}

	}

}
