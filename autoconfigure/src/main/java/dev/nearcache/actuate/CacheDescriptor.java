package dev.nearcache.actuate;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.nearcache.cache.AuditResult;
import dev.nearcache.cache.AuditStatistics;
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
 * @param audit what the stale-read audit found in this cache (all zero while it is not audited)
 */
public record CacheDescriptor(String name, long size, long hits, long misses, @Nullable Double hitRatio, long loads,
		long loadFailures, long staleLoadsDiscarded, Evictions evictions, Invalidations invalidations, long clears,
		@Nullable String degradedMode, Settings settings, Audit audit) {

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
						settings.maximumSize(), settings.allowNullValues(), settings.broadcast()),
				Audit.of(statistics.audit()));
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

	/**
	 * What the stale-read audit found: sampled hits by result, and the last confirmed stale reads, by key only.
	 *
	 * @param match samples whose fresh value equalled the cached one
	 * @param mismatch confirmed stale reads
	 * @param unconfirmed differences that an invalidation resolved within the staleness bound
	 * @param skipped samples not audited (executor full, degraded, entry gone, out of context)
	 * @param error samples whose repeated call or comparison failed
	 * @param recentMismatches the last confirmed stale reads, newest first
	 */
	public record Audit(long match, long mismatch, long unconfirmed, long skipped, long error,
			List<Mismatch> recentMismatches) {

		static Audit of(AuditStatistics audit) {
			return new Audit(audit.samples(AuditResult.MATCH), audit.samples(AuditResult.MISMATCH),
					audit.samples(AuditResult.UNCONFIRMED), audit.samples(AuditResult.SKIPPED),
					audit.samples(AuditResult.ERROR), audit.recentMismatches()
						.stream()
						.map((mismatch) -> new Mismatch(mismatch.key(), mismatch.age().toString(),
								mismatch.confirmedAt().toString()))
						.toList());
		}

	}

	/**
	 * One confirmed stale read.
	 *
	 * @param key the key's canonical form; never the value
	 * @param age how long the stale entry had been cached when confirmed, ISO-8601
	 * @param confirmedAt when it was confirmed, ISO-8601
	 */
	public record Mismatch(String key, String age, String confirmedAt) {
	}

}
