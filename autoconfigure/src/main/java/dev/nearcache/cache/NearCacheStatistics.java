package dev.nearcache.cache;

import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;

/**
 * What one near cache did: Caffeine's own statistics (hits, misses, loads) plus what Caffeine cannot know —
 * fills after a {@code @Cacheable} miss, invalidations made here versus received from other instances,
 * clears, and evictions by cause. Counting happens off the hit path.
 */
public final class NearCacheStatistics {

	private final NearCache cache;

	private final LongAdder localInvalidations = new LongAdder();

	private final LongAdder remoteInvalidations = new LongAdder();

	private final LongAdder clears = new LongAdder();

	private final LongAdder emptyingClears = new LongAdder();

	private final LongAdder staleLoadsDiscarded = new LongAdder();

	private final LongAdder sizeEvictions = new LongAdder();

	private final LongAdder expiryEvictions = new LongAdder();

	private final LongAdder expiredReads = new LongAdder();

	private final AuditStatistics audit = new AuditStatistics();

	NearCacheStatistics(NearCache cache) {
		this.cache = cache;
	}

	/** @return Caffeine's statistics: hits, misses and evictions as Caffeine counts them, loads as the cache does */
	public CacheStats caffeineStats() {
		return this.cache.getNativeCache().stats();
	}

	/**
	 * Return the reads answered from the cache. Caffeine's hit count, less the reads of entries past their TTL or
	 * null TTL: Caffeine saw an entry, the caller got a miss (the cache measures TTLs itself).
	 * @return hits
	 */
	public long hits() {
		return caffeineStats().hitCount() - this.expiredReads.sum();
	}

	/**
	 * Return the reads that found nothing, including reads of entries past their TTL or null TTL.
	 * @return misses
	 */
	public long misses() {
		return caffeineStats().missCount() + this.expiredReads.sum();
	}

	/** @return entries currently held (an estimate, as Caffeine gives it) */
	public long size() {
		return this.cache.getNativeCache().estimatedSize();
	}

	/** @return values loaded into the cache: {@code get(key, Callable)} loads, async loads and fills after a miss */
	public long loads() {
		return caffeineStats().loadSuccessCount();
	}

	/** @return loads that failed */
	public long loadFailures() {
		return caffeineStats().loadFailureCount();
	}

	/** @return keys invalidated by this instance (evict, write, programmatic) */
	public long localInvalidations() {
		return this.localInvalidations.sum();
	}

	/** @return keys invalidated by messages from other instances */
	public long remoteInvalidations() {
		return this.remoteInvalidations.sum();
	}

	/** @return times the whole cache was cleared, for any reason, whether or not it held entries */
	public long clears() {
		return this.clears.sum();
	}

	/**
	 * Return how many of the {@link #clears()} found entries to remove. nearcache clears its caches itself when
	 * invalidations may have been missed (on entering the degraded mode, and once a new subscription is proven), and
	 * a fresh instance does both with nothing cached: those clears changed nothing an operator could act on.
	 * @return times the whole cache was emptied of entries
	 */
	public long emptyingClears() {
		return this.emptyingClears.sum();
	}

	/** @return loaded values not installed because their key was invalidated while they loaded */
	public long staleLoadsDiscarded() {
		return this.staleLoadsDiscarded.sum();
	}

	/** @return entries evicted because the cache was full */
	public long sizeEvictions() {
		return this.sizeEvictions.sum();
	}

	/** @return entries that expired (TTL or null TTL) */
	public long expiryEvictions() {
		return this.expiryEvictions.sum();
	}

	/** @return what the stale-read audit found in this cache (all zero while it is not audited) */
	public AuditStatistics audit() {
		return this.audit;
	}

	void recordLocalInvalidations(int keys) {
		this.localInvalidations.add(keys);
	}

	void recordRemoteInvalidations(int keys) {
		this.remoteInvalidations.add(keys);
	}

	void recordStaleLoadDiscarded() {
		this.staleLoadsDiscarded.increment();
	}

	void recordClear() {
		this.clears.increment();
	}

	void recordEmptyingClear() {
		this.emptyingClears.increment();
	}

	/** A read found an entry past its TTL or null TTL: a miss that Caffeine counted as a hit. */
	void recordExpiredRead() {
		this.expiredReads.increment();
	}

	/** An entry past its TTL or null TTL was removed by nearcache (Caffeine sees an explicit removal). */
	void recordExpiredRemoved() {
		this.expiryEvictions.increment();
	}

	void recordRemoval(RemovalCause cause) {
		if (cause == RemovalCause.SIZE) {
			this.sizeEvictions.increment();
		}
		else if (cause == RemovalCause.EXPIRED) {
			this.expiryEvictions.increment();
		}
	}

}
