package dev.nearcache.cache;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The misses of one cache that a {@code @Cacheable} read is about to fill. A {@code put} of such a key is the
 * fill that follows the miss, not a write: it is not broadcast, and it is installed only if the key was not
 * invalidated since the miss (see {@link InvalidationGenerations}).
 * <p>
 * A put on the thread that missed takes its own registration through its {@link FillScope}; the registrations
 * of synchronous reads ({@code get} misses) are <em>private</em>: only that thread can take them, so a direct
 * write of the key on another thread ({@code @CachePut}) is never mistaken for their fill — it stays a write,
 * is broadcast, and moves the key's tick so that the read's older load is discarded.
 * <p>
 * Spring puts the result of an asynchronous {@code @Cacheable} method from whichever thread completes it, so
 * such a put cannot say which miss it fills: the registrations of {@code retrieve} misses are <em>shared</em>,
 * and a put on another thread takes any shared registration of the key and the <em>oldest</em> tick registered
 * for the key since its registrations last ran out, which is never newer than the tick of its own miss. The
 * scope that made a registration withdraws it when the read ends, so a registration never outlives its read and
 * cannot swallow a later write. A direct write racing with an asynchronous read of the same key may still take
 * the read's shared registration: it is then installed as a fill and not broadcast (see consistency.md).
 */
final class PendingFills {

	/** Returned by {@link #consume} when the put fills no registered miss. */
	static final long NOT_A_FILL = -1;

	/** Registrations older than this are ignored: a reactive read that was never subscribed never ends. */
	private static final long MAX_AGE_NANOS = 60_000_000_000L;

	private static final int PRUNE_THRESHOLD = 10_000;

	private final ConcurrentHashMap<Object, Pool> byKey = new ConcurrentHashMap<>();

	/**
	 * Register a miss.
	 * @param key the key that missed
	 * @param tick the cache's invalidation tick at the miss
	 * @param shared whether a put on another thread may take it (asynchronous reads)
	 * @return the registration, for its owner to take or withdraw
	 */
	Registration register(Object key, long tick, boolean shared) {
		if (this.byKey.size() > PRUNE_THRESHOLD) {
			prune();
		}
		Registration registration = new Registration(System.nanoTime(), tick, shared);
		this.byKey.compute(key, (k, pool) -> {
			Pool registrations = (pool != null) ? pool : new Pool();
			registrations.add(registration);
			return registrations;
		});
		return registration;
	}

	/**
	 * Take one live shared registration of the key, if any, for a put that cannot name its own.
	 * @param key the key being put
	 * @return the oldest invalidation tick registered for the key, or {@link #NOT_A_FILL}
	 */
	long consume(Object key) {
		if (this.byKey.isEmpty()) {
			return NOT_A_FILL;
		}
		long[] tick = { NOT_A_FILL };
		long now = System.nanoTime();
		this.byKey.computeIfPresent(key, (k, pool) -> {
			Iterator<Registration> registrations = pool.queue.iterator();
			while (registrations.hasNext()) {
				Registration registration = registrations.next();
				boolean live = now - registration.createdNanos < MAX_AGE_NANOS;
				if (!live || registration.shared) {
					registrations.remove();
				}
				if (live && registration.shared) {
					tick[0] = pool.oldestTick;
					break;
				}
			}
			return pool.queue.isEmpty() ? null : pool;
		});
		return tick[0];
	}

	/**
	 * Remove a registration if it is still there.
	 * @return whether it was (no other put took it)
	 */
	boolean withdraw(Object key, Registration registration) {
		boolean[] removed = new boolean[1];
		this.byKey.computeIfPresent(key, (k, pool) -> {
			removed[0] = pool.queue.remove(registration);
			return pool.queue.isEmpty() ? null : pool;
		});
		return removed[0];
	}

	int size() {
		return this.byKey.size();
	}

	private void prune() {
		long now = System.nanoTime();
		for (Object key : this.byKey.keySet()) {
			this.byKey.computeIfPresent(key, (k, pool) -> {
				pool.queue.removeIf((registration) -> now - registration.createdNanos >= MAX_AGE_NANOS);
				return pool.queue.isEmpty() ? null : pool;
			});
		}
	}

	/** The registrations of one key; guarded by the map's lock for that key. */
	private static final class Pool {

		private final ArrayDeque<Registration> queue = new ArrayDeque<>(2);

		private long oldestTick = Long.MAX_VALUE;

		void add(Registration registration) {
			this.queue.add(registration);
			this.oldestTick = Math.min(this.oldestTick, registration.tick);
		}

	}

	/** One registered miss; identity matters, so it is not a record. */
	static final class Registration {

		private final long createdNanos;

		final long tick;

		private final boolean shared;

		private Registration(long createdNanos, long tick, boolean shared) {
			this.createdNanos = createdNanos;
			this.tick = tick;
			this.shared = shared;
		}

	}

}
