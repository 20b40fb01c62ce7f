package dev.nearcache.actuate;

import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;

/**
 * The {@code nearcache} endpoint: statistics of this instance's near caches and invalidation channel, and eviction
 * by hand, on this instance or on every instance.
 * <p>
 * A key is given in its canonical string form ({@code docs/protocol.md}): {@code "42"} evicts the entries stored
 * under {@code 42L}, {@code 42} and {@code "42"}. Only caches that exist on this instance can be named; messages
 * reach the other instances asynchronously, through the same publisher as every other invalidation.
 */
@Endpoint(id = "nearcache")
public class NearCacheEndpoint {

	private final NearCacheManager cacheManager;

	private final InvalidationStatistics statistics;

	/**
	 * Create the endpoint.
	 * @param cacheManager the caches it reports and evicts
	 * @param statistics the invalidation channel it reports
	 */
	public NearCacheEndpoint(NearCacheManager cacheManager, InvalidationStatistics statistics) {
		this.cacheManager = cacheManager;
		this.statistics = statistics;
	}

	/**
	 * Report this instance: the channel and every cache.
	 * @return the report
	 */
	@ReadOperation
	public InstanceDescriptor instance() {
		return InstanceDescriptor.of(this.statistics, this.cacheManager);
	}

	/**
	 * Report one cache.
	 * @param cache the cache name
	 * @return the report, or {@code null} if no such cache exists on this instance
	 */
	@ReadOperation
	public @Nullable CacheDescriptor cache(@Selector String cache) {
		NearCache nearCache = this.cacheManager.findCache(cache);
		return (nearCache != null) ? CacheDescriptor.of(nearCache) : null;
	}

	/**
	 * Evict one key of a cache, or clear it, here and (unless the scope is {@code local}) on every instance.
	 * @param cache the cache name
	 * @param key the canonical form of the key to evict
	 * @param all {@code true} to clear the whole cache instead
	 * @param scope {@code cluster} (the default) or {@code local}
	 * @return what was done, or {@code null} if no such cache exists on this instance
	 * @throws InvalidEndpointRequestException if neither or both of key and all are given, the key is empty, or the
	 * scope is unknown
	 */
	@WriteOperation
	public @Nullable EvictionDescriptor evict(@Selector String cache, @Nullable String key, @Nullable Boolean all,
			@Nullable String scope) {
		Scope target = Scope.of(scope);
		boolean clear = Boolean.TRUE.equals(all);
		if (key == null && !clear) {
			throw invalid("Give the \"key\" to evict (its canonical string form) or \"all\": true to clear the cache");
		}
		if (key != null && clear) {
			throw invalid("Give either \"key\" or \"all\": true, not both");
		}
		if (key != null && key.isEmpty()) {
			throw invalid("\"key\" must not be empty: give the canonical string form of the key to evict");
		}
		NearCache nearCache = this.cacheManager.findCache(cache);
		if (nearCache == null) {
			return null;
		}
		boolean broadcast = publishes(target) && nearCache.getSettings().broadcast();
		long evicted;
		if (clear) {
			evicted = nearCache.getNativeCache().estimatedSize();
			nearCache.clearLocally();
			if (broadcast) {
				this.cacheManager.getPublisher().publishClear(cache);
			}
		}
		else {
			evicted = nearCache.evictCanonicalLocally(key);
			if (broadcast) {
				this.cacheManager.getPublisher().publishInvalidation(cache, List.of(key));
			}
		}
		return new EvictionDescriptor(List.of(cache), key, target.value, evicted, broadcast);
	}

	/**
	 * Clear every cache here and (unless the scope is {@code local}) on every instance.
	 * @param scope {@code cluster} (the default) or {@code local}
	 * @return what was done
	 * @throws InvalidEndpointRequestException if the scope is unknown
	 */
	@DeleteOperation
	public EvictionDescriptor clearAll(@Nullable String scope) {
		Scope target = Scope.of(scope);
		List<NearCache> caches = List.copyOf(this.cacheManager.caches());
		long evicted = 0;
		for (NearCache cache : caches) {
			evicted += cache.getNativeCache().estimatedSize();
		}
		this.cacheManager.clearAllLocally();
		boolean broadcast = publishes(target);
		if (broadcast) {
			this.cacheManager.getPublisher().publishClear(null);
		}
		return new EvictionDescriptor(caches.stream().map(NearCache::getName).sorted().toList(), null, target.value,
				evicted, broadcast);
	}

	private boolean publishes(Scope scope) {
		return scope == Scope.CLUSTER && this.cacheManager.getPublisher() != InvalidationPublisher.NONE;
	}

	private static InvalidEndpointRequestException invalid(String reason) {
		return new InvalidEndpointRequestException("Invalid nearcache eviction request: " + reason, reason);
	}

	private enum Scope {

		CLUSTER("cluster"), LOCAL("local");

		private final String value;

		Scope(String value) {
			this.value = value;
		}

		static Scope of(@Nullable String value) {
			if (value == null) {
				return CLUSTER;
			}
			for (Scope scope : values()) {
				if (scope.value.equals(value.toLowerCase(Locale.ROOT))) {
					return scope;
				}
			}
			throw invalid("Unknown scope '" + value + "': use \"cluster\" (the default) or \"local\"");
		}

	}

}
