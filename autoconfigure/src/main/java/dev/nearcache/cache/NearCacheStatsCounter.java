package dev.nearcache.cache;

import java.util.concurrent.atomic.LongAdder;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import com.github.benmanes.caffeine.cache.stats.StatsCounter;

/**
 * Caffeine's statistics for one near cache, with the loads counted by the cache rather than by Caffeine.
 * <p>
 * A near cache never loads inside Caffeine (no application code may run in a Caffeine compute, where it would
 * hold up invalidations of that key), and it installs and removes entries through computes that Caffeine would
 * count as loads. So Caffeine's own load records are ignored here, and the cache reports its loads with
 * {@link #loaded} and {@link #loadFailed}; hits, misses and evictions are Caffeine's, counted exactly as
 * Caffeine's default counter counts them, hits and misses in {@link ReadCounts} (a hit's cheapest exact count). {@code cache.stats()}, and so Micrometer's Caffeine meters, see exact figures.
 */
final class NearCacheStatsCounter implements StatsCounter {

	/** Hits and misses, counted on every read: by each reading thread in its own memory, not a shared adder. */
	private final ReadCounts reads = new ReadCounts();

	private final LongAdder loadSuccesses = new LongAdder();

	private final LongAdder loadFailures = new LongAdder();

	private final LongAdder totalLoadTime = new LongAdder();

	private final LongAdder evictions = new LongAdder();

	private final LongAdder evictionWeight = new LongAdder();

	@Override
	public void recordHits(int count) {
		this.reads.hits(count);
	}

	@Override
	public void recordMisses(int count) {
		this.reads.misses(count);
	}

	/** Caffeine's record of a compute: an install or a removal by the cache, not a load. */
	@Override
	public void recordLoadSuccess(long loadTime) {
	}

	/** Caffeine's record of a compute that left no value: a removal or a discarded install, not a load. */
	@Override
	public void recordLoadFailure(long loadTime) {
	}

	@Override
	public void recordEviction(int weight, RemovalCause cause) {
		this.evictions.increment();
		this.evictionWeight.add(weight);
	}

	/**
	 * Count a value loaded into the cache.
	 * @param nanos how long the load took
	 */
	void loaded(long nanos) {
		this.loadSuccesses.increment();
		this.totalLoadTime.add(Math.max(0, nanos));
	}

	/**
	 * Count a load that failed.
	 * @param nanos how long it took to fail
	 */
	void loadFailed(long nanos) {
		this.loadFailures.increment();
		this.totalLoadTime.add(Math.max(0, nanos));
	}

	@Override
	public CacheStats snapshot() {
		long[] hitsAndMisses = this.reads.sums();
		return CacheStats.of(hitsAndMisses[0], hitsAndMisses[1], this.loadSuccesses.sum(), this.loadFailures.sum(),
				this.totalLoadTime.sum(), this.evictions.sum(), this.evictionWeight.sum());
	}

}
