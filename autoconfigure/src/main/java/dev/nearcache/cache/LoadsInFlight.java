package dev.nearcache.cache;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The loads of one cache that are between their miss and the end of their install, so that a clear can wait
 * for the ones that started before it, as Caffeine makes a key invalidation wait for a load of that key.
 * <p>
 * Without this, a load that started before a clear could install its (old) value after the clear swept the
 * cache, and be visible for a moment before the load's own re-check removes it: a read that started after
 * the clear returned could see it. A clear never waits for a load of its own thread, nor longer than a bound.
 */
final class LoadsInFlight {

	private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

	private final Set<Load> loads = ConcurrentHashMap.newKeySet();

	Load begin(long tick) {
		Load load = new Load(tick, Thread.currentThread());
		this.loads.add(load);
		return load;
	}

	void end(Load load) {
		this.loads.remove(load);
	}

	/**
	 * Wait until every load that missed before {@code tick} has finished installing (and re-checking).
	 * @param tick the tick of the clear
	 */
	void awaitStartedBefore(long tick) {
		long deadline = System.nanoTime() + MAX_WAIT_NANOS;
		while (startedBefore(tick) && System.nanoTime() - deadline < 0) {
			LockSupport.parkNanos(50_000);
		}
	}

	private boolean startedBefore(long tick) {
		Thread current = Thread.currentThread();
		for (Load load : this.loads) {
			if (load.tick < tick && load.thread != current) {
				return true;
			}
		}
		return false;
	}

	/** One load; identity matters. */
	static final class Load {

		private final long tick;

		private final Thread thread;

		private Load(long tick, Thread thread) {
			this.tick = tick;
			this.thread = thread;
		}

	}

}
