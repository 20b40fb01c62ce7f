package dev.nearcache.actuate;

import org.jspecify.annotations.Nullable;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheSettings;
import dev.nearcache.cache.NearCacheStatistics;

/**
 * What one near cache holds and did on this instance since it was created, and how it is configured.
 *
 * @param name the cache name
 * @param size entries held now (Caffeine's estimate: expired entries not yet cleaned up are included)
 * @param hits lookups that found a value
 * @param misses lookups that found none
 * @param hitRatio {@code hits / (hits + misses)}; {@code null} before the first lookup
 * @param loads values loaded into the cache: fills after a {@code @Cacheable} miss and value-loader calls
 * @param loadFailures loads that failed
 * @param staleLoadsDiscarded loaded values not cached because their key was invalidated while they loaded
 * @param evictions entries Caffeine removed on its own, by cause
 * @param invalidations keys invalidated, by where the invalidation came from
 * @param clears times the whole cache was emptied, for any reason (a clear of an empty cache is not counted)
 * @param degradedMode the degraded mode this cache runs in now; {@code null} while its invalidations are known to
 * flow
 * @param settings how the cache is configured
 */
public record CacheDescriptor(String name, long size, long hits, long misses, @Nullable Double hitRatio, long loads,
		long loadFailures, long staleLoadsDiscarded, Evictions evictions, Invalidations invalidations, long clears,
		@Nullable String degradedMode, Settings settings) {

	static CacheDescriptor of(NearCache cache) {
		NearCacheStatistics statistics = cache.getStatistics();
		long hits = statistics.hits();
		long lookups = hits + statistics.misses();
		Double hitRatio = (lookups > 0) ? (double) hits / lookups : null;
		NearCacheSettings settings = cache.getSettings();
		return new CacheDescriptor(cache.getName(), statistics.size(), hits, statistics.misses(),
				hitRatio, statistics.loads(), statistics.loadFailures(), statistics.staleLoadsDiscarded(),
				new Evictions(statistics.sizeEvictions(), statistics.expiryEvictions()),
				new Invalidations(statistics.localInvalidations(), statistics.remoteInvalidations()),
				statistics.emptyingClears(), (cache.getDegradedMode() != null) ? cache.getDegradedMode().name() : null,
				new Settings(settings.ttl().toString(), settings.nullTtl().toString(),
						settings.maximumSize(), settings.allowNullValues(), settings.broadcast()));
	}

	/**
	 * Entries Caffeine removed on its own.
	 *
	 * @param size removed because the cache was full
	 * @param expiry removed because their TTL (or null TTL) had passed
	 */
	public record Evictions(long size, long expiry) {
	}

	/**
	 * Keys invalidated.
	 *
	 * @param local by this instance: evictions, writes, programmatic and endpoint invalidations
	 * @param remote by messages received from other instances
	 */
	public record Invalidations(long local, long remote) {
	}

	/**
	 * The configuration of a cache.
	 *
	 * @param ttl time to live after write, ISO-8601 ({@code PT5M})
	 * @param nullTtl time to live of a cached {@code null}, ISO-8601
	 * @param maximumSize most entries before Caffeine evicts by size
	 * @param allowNullValues whether {@code null} results are cached
	 * @param broadcast whether invalidations of the cache are published to the other instances
	 */
	public record Settings(String ttl, String nullTtl, long maximumSize, boolean allowNullValues, boolean broadcast) {
	}

}
