package dev.nearcache.cache;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Tells a load whether its key was invalidated while it loaded, so that it never installs a value older than
 * the invalidation (a "stale set").
 * <p>
 * Every key maps to a stripe (by its canonical form when it has one, so that an invalidation of {@code "42"}
 * also covers a load of {@code 42L}); each stripe holds a counter that an invalidation of any of its keys
 * increments, and one more counter, the floor, is incremented by every clear. Counters only ever grow, so their
 * sum for a key — its <em>stamp</em> — grows with every invalidation that concerns it and never returns to an
 * earlier value. A load takes the stamp when it misses and installs its value only if the stamp is unchanged,
 * checked inside the same Caffeine compute that installs it. An invalidation increments first and removes
 * second; a removal waits for a compute in progress on its key. So either the check sees the increment, or the
 * removal comes after the install and takes the value away: there is no window in which a read that starts after
 * the invalidation finds the old value.
 * <p>
 * A clear cannot wait on every key's compute, so installs hold {@link #installing() a shared lock} around their
 * check and install, and a clear increments the floor under the exclusive one: once it has, every install that
 * checked before it is in the map for the clear's sweep to remove, and every later one sees the new floor. The
 * lock is held for the compute only, never during a load, so a clear waits microseconds, not for the database.
 * <p>
 * Keys of one stripe share their fate: an invalidation of one discards the loads of the others that were in
 * flight (a wasted load, never a stale one). Stripes are sized from the cache's maximum size, one per four
 * entries (64 to 16,384: 32 KB for the default 10,000 entries), so that this stays rare. Nothing here is touched on a cache hit.
 */
final class InvalidationStamps {

	private static final int MIN_STRIPES = 64;

	private static final int MAX_STRIPES = 1 << 14;

	private final AtomicLongArray stripes;

	private final int mask;

	private final AtomicLong floor = new AtomicLong();

	private final ReentrantReadWriteLock installs = new ReentrantReadWriteLock();

	/**
	 * @param maximumSize the cache's maximum number of entries, which sizes the stripes
	 */
	InvalidationStamps(long maximumSize) {
		int wanted = (int) Math.min(MAX_STRIPES, Math.max(MIN_STRIPES, maximumSize / 4));
		int size = Integer.highestOneBit(wanted - 1) << 1;
		this.stripes = new AtomicLongArray(size);
		this.mask = size - 1;
	}

	/**
	 * Return the stamp of a key: what a load records when it misses.
	 * @param stripeKey the canonical form of the key, or the key itself if it has none
	 * @return the stamp
	 */
	long stamp(Object stripeKey) {
		return this.stripes.get(stripe(stripeKey)) + this.floor.get();
	}

	/**
	 * Return whether a key was invalidated (or the cache cleared) since its stamp was taken.
	 * @param stripeKey the canonical form of the key, or the key itself
	 * @param stamp the stamp taken at the miss
	 * @return whether a value loaded since the stamp may be older than an invalidation
	 */
	boolean movedSince(Object stripeKey, long stamp) {
		return stamp(stripeKey) != stamp;
	}

	/**
	 * Record that a key is about to be invalidated. Call before removing its entries.
	 * @param stripeKey the canonical form of the key, or the key itself if it has none
	 */
	void invalidating(Object stripeKey) {
		this.stripes.incrementAndGet(stripe(stripeKey));
	}

	/**
	 * Record that the whole cache is about to be cleared. Call before removing its entries. Returns once every
	 * install that checked its stamp before this call is complete.
	 */
	void clearing() {
		if (this.installs.getReadHoldCount() > 0) {
			// A clear from inside this thread's own install: the application's code (a removal listener on an
			// inline executor, a weigher) runs within Caffeine's compute. Waiting for the other installs here would
			// wait for this one. Its own install is complete; the floor still stops every later check.
			this.floor.incrementAndGet();
			return;
		}
		ReentrantReadWriteLock.WriteLock lock = this.installs.writeLock();
		lock.lock();
		try {
			this.floor.incrementAndGet();
		}
		finally {
			lock.unlock();
		}
	}

	/**
	 * Return the lock an install holds around its check and install.
	 * @return the shared side of the install lock
	 */
	ReentrantReadWriteLock.ReadLock installing() {
		return this.installs.readLock();
	}

	private int stripe(Object stripeKey) {
		int hash = stripeKey.hashCode();
		return (hash ^ (hash >>> 16)) & this.mask;
	}

}
