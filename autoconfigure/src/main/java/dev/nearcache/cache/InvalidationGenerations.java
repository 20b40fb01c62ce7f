package dev.nearcache.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Makes a load that raced an invalidation unable to install a stale value (a "stale set").
 * <p>
 * One counter per cache only grows. Every invalidation of a key stamps the key's stripe with a fresh tick
 * before removing the entry, and every clear stamps the whole cache. A load takes the current tick when it
 * misses; its value is installed only if neither its key's stripe nor the clear stamp moved past that tick, and
 * the check is repeated after installing (removing the value if an invalidation slipped in between), so there
 * is no lock and no window. Stripes are keyed by the canonical form when there is one, so an invalidation of
 * {@code "42"} also protects a load of {@code 42L}. Different keys may share a stripe: the cost is an
 * occasional discarded load, never a stale one. Nothing here is touched on a cache hit.
 */
final class InvalidationGenerations {

	private static final int STRIPES = 1024;

	private final AtomicLong ticks = new AtomicLong();

	private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);

	private volatile long clearedAt;

	/**
	 * @return the tick a load records when it misses
	 */
	long current() {
		return this.ticks.get();
	}

	/**
	 * Record that a key is about to be invalidated. Call before removing the entry.
	 * @param stripeKey the canonical form of the key, or the key itself if it has none
	 */
	void invalidating(Object stripeKey) {
		this.stripes.set(stripe(stripeKey), this.ticks.incrementAndGet());
	}

	/**
	 * Record that the whole cache is about to be cleared. Call before clearing.
	 * @return the clear's tick: loads that missed before it may hold old values
	 */
	long clearing() {
		long tick = this.ticks.incrementAndGet();
		this.clearedAt = tick;
		return tick;
	}

	/**
	 * @param tick the tick recorded at the miss
	 * @param stripeKey the canonical form of the key, or the key itself
	 * @return whether the key may have been invalidated since {@code tick}
	 */
	boolean movedSince(long tick, Object stripeKey) {
		return this.clearedAt > tick || this.stripes.get(stripe(stripeKey)) > tick;
	}

	private static int stripe(Object stripeKey) {
		int hash = stripeKey.hashCode();
		return (hash ^ (hash >>> 16)) & (STRIPES - 1);
	}

}
