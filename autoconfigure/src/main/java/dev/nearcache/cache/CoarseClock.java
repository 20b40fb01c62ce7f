package dev.nearcache.cache;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Ticker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The clock a near cache reads on every hit, to compare the entry's write time with its TTL:
 * {@link System#nanoTime()} as one daemon thread last sampled it, about every millisecond.
 * <p>
 * Why: {@code nanoTime} (what Caffeine's expiry would read on every read) is a large part of a hit (tens of
 * nanoseconds on virtual machines whose clock source is not the TSC). A TTL of seconds to minutes does not need
 * nanosecond reads. The traps of a coarse clock, and how each is handled:
 * <ul>
 * <li><b>Monotonic and on {@code nanoTime}:</b> the value only ever moves forward, and is a {@code nanoTime} sample,
 * so it shares {@code nanoTime}'s origin with every other reading Caffeine or nearcache compares it with.</li>
 * <li><b>Resolution:</b> the value lags real time by up to one tick ({@link #RESOLUTION}) between samples, so an
 * entry may expire up to one tick late, and, written at a lagging time, up to one tick early.
 * {@link #tickerFor(Object, Duration)} gives caches whose shortest TTL is under {@link #SHORTEST_TTL} (a TTL only a
 * few ticks long would be off by a large fraction) Caffeine's system ticker instead.</li>
 * <li><b>A stalled updater</b> (CPU throttling, a long safepoint) would make expiry late by the stall. An updater
 * that wakes up more than {@link #STALL} late switches the clock to reading {@code nanoTime} on every read for
 * {@link #PRECISE_HOLD}, and back to sampling once it kept time that long: expiry is late by at most the
 * resolution plus the one stall that was detected.</li>
 * <li><b>One JVM-wide lifecycle:</b> one shared clock and one thread for every cache in the JVM, whatever the
 * number of application contexts. Caches register weakly; the thread starts with the first and ends by itself
 * once every cache that registered is garbage, so no application has to stop it and none can stop it under
 * another's caches. It is a daemon and never holds up JVM exit. Once a second it also starts each cache's
 * sweep of expired entries when one is due.</li>
 * </ul>
 * Everything a near cache measures its TTLs with reads this clock: the write times of its values, the deadlines of
 * its {@link ExpiringNull}s and the ages it reports. (Its Caffeine store has no expiry of its own.)
 */
final class CoarseClock implements Ticker {

	/** How often the updater samples {@code nanoTime}. */
	static final Duration RESOLUTION = Duration.ofMillis(1);

	/** Caches with a TTL (or null TTL) shorter than this read {@code nanoTime} on every hit instead. */
	static final Duration SHORTEST_TTL = Duration.ofMillis(100);

	/** An updater that wakes up this much later than it asked to is stalled. */
	static final Duration STALL = Duration.ofMillis(10);

	/** How long the clock reads {@code nanoTime} itself after a stall. */
	static final Duration PRECISE_HOLD = Duration.ofSeconds(10);

	/** Ticks between two checks of whether any registered cache is still alive. */
	private static final int TICKS_PER_USER_CHECK = 1000;

	/** The value of {@link #sample} that means "read the source on every read". */
	private static final long PRECISE = Long.MIN_VALUE;

	private static final Log logger = LogFactory.getLog(CoarseClock.class);

	private static final CoarseClock SHARED = new CoarseClock(System::nanoTime);

	private final LongSupplier source;

	private final long resolutionNanos = RESOLUTION.toNanos();

	/** The last sample, or {@link #PRECISE}; one field, so that a hit reads one value. */
	private volatile long sample;

	/** The last sample taken, precise or not: the clock never returns less after it (updater only). */
	private long lastSampled;

	/** When precise mode may end (updater only). */
	private long preciseUntil;

	private final List<WeakReference<Object>> users = new ArrayList<>();

	private long stalls;

	private int ticksSinceUserCheck;

	private boolean running;

	CoarseClock(LongSupplier source) {
		this.source = source;
		this.lastSampled = source.getAsLong();
		this.sample = coarse(this.lastSampled);
	}

	/**
	 * Return the ticker for a cache: the JVM-wide coarse clock, or Caffeine's system ticker when the cache's
	 * shortest TTL is too short for a millisecond clock.
	 * @param shortestTtl the shortest TTL its entries get
	 * @return the ticker the cache measures its TTLs on
	 */
	static Ticker tickerFor(Duration shortestTtl) {
		return (shortestTtl.compareTo(SHORTEST_TTL) < 0) ? Ticker.systemTicker() : SHARED;
	}

	/**
	 * Register a cache with the JVM-wide clock: the clock's thread runs while any registered cache is reachable,
	 * and once a second asks each to sweep its expired entries if a sweep is due (the sweep itself runs on the
	 * cache's maintenance executor, never on this thread).
	 * @param cache the cache, held weakly
	 */
	static void register(NearCache cache) {
		SHARED.register((Object) cache);
	}

	@Override
	public long read() {
		long value = this.sample;
		return (value != PRECISE) ? value : this.source.getAsLong();
	}

	/**
	 * Register a user and start the updater if it does not run.
	 * @param user the user, held weakly
	 */
	synchronized void register(Object user) {
		this.users.removeIf((reference) -> reference.get() == null);
		this.users.add(new WeakReference<>(user));
		if (!this.running) {
			this.running = true;
			advance(false);
			Thread updater = new Thread(this::run, "nearcache-clock");
			updater.setDaemon(true);
			updater.start();
		}
	}

	private void run() {
		while (true) {
			LockSupport.parkNanos(this.resolutionNanos);
			advance(true);
			if (++this.ticksSinceUserCheck >= TICKS_PER_USER_CHECK) {
				this.ticksSinceUserCheck = 0;
				List<Object> live = liveUsers();
				if (live.isEmpty()) {
					return;
				}
				live.forEach(CoarseClock::sweepIfDue);
			}
		}
	}

	/** The users still reachable; none means the updater ends (a later registration starts another). */
	private synchronized List<Object> liveUsers() {
		List<Object> live = new ArrayList<>(this.users.size());
		this.users.removeIf((reference) -> {
			Object user = reference.get();
			if (user != null) {
				live.add(user);
			}
			return user == null;
		});
		this.running = !live.isEmpty();
		return live;
	}

	private static void sweepIfDue(Object user) {
		if (user instanceof NearCache cache) {
			try {
				cache.sweepIfDue();
			}
			catch (RuntimeException ex) {
				// The cache's executor refused the sweep (shut down, saturated): the next second tries again.
				logger.debug("Could not start a sweep of expired entries of cache '" + cache.getName() + "'", ex);
			}
		}
	}

	/**
	 * Take a sample: one tick of the updater. Synchronized with registration only because a restarted updater
	 * could otherwise overlap the one that is ending.
	 * @param afterSleep whether the updater slept one resolution before it, so that lateness means a stall
	 */
	synchronized void advance(boolean afterSleep) {
		long now = this.source.getAsLong();
		long late = now - this.lastSampled - this.resolutionNanos;
		if (now - this.lastSampled > 0) {
			this.lastSampled = now;
		}
		if (afterSleep && late > STALL.toNanos()) {
			this.stalls++;
			if (this.sample != PRECISE && logger.isDebugEnabled()) {
				logger.debug("nearcache's clock updater woke up " + TimeUnit.NANOSECONDS.toMillis(late)
						+ " ms late; reading System.nanoTime() on every cache read for " + PRECISE_HOLD.toSeconds() + " s");
			}
			this.preciseUntil = now + PRECISE_HOLD.toNanos();
			this.sample = PRECISE;
			return;
		}
		if (this.sample == PRECISE) {
			if (now - this.preciseUntil < 0) {
				return;
			}
			// A read just before this one may have returned a slightly later nanoTime: start one tick ahead, so
			// that the clock never reads backwards (an entry may then expire up to one tick early).
			this.lastSampled = now + this.resolutionNanos;
		}
		this.sample = coarse(this.lastSampled);
	}

	/** @return whether the clock reads the source on every read (after a stall) */
	boolean isPrecise() {
		return this.sample == PRECISE;
	}

	/** @return stalls of the updater detected so far */
	synchronized long stalls() {
		return this.stalls;
	}

	/** @return whether this clock's updater runs */
	synchronized boolean isRunning() {
		return this.running;
	}

	private static long coarse(long nanos) {
		return (nanos != PRECISE) ? nanos : nanos + 1;
	}

}
