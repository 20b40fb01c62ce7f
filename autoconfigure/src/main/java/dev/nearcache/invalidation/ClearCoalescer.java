package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Coalesces the remote clears of one target (one cache, or every cache) that arrive within a short window, so that
 * a burst of {@code clear} messages, hostile or from a bug, cannot turn every instance into a stampede on the
 * database.
 * <p>
 * The first clear of a target runs at once (leading edge). A clear that arrives within the window after the
 * previous clear ran is not run then but counted as coalesced, and guarantees one more clear that starts after it
 * arrived: the trailing clear, run on this class's own thread when the window has passed. So every clear message
 * is followed by a clear that starts no earlier than its arrival and no later than one window after it, and a
 * target is cleared at most twice per window however many messages arrive. The trailing clear is an ordinary
 * {@code clearLocally}: it moves the cache's floor, so nothing that missed before it is installed, and nothing loaded
 * before the last clear message survives it.
 * <p>
 * A window of zero runs every clear at once, on the caller's thread, as before this class existed.
 */
final class ClearCoalescer implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ClearCoalescer.class);

	private final long windowNanos;

	private final @Nullable ScheduledThreadPoolExecutor scheduler;

	/** One entry per cache ever cleared remotely, plus one for clear-all: bounded by the caches that exist. */
	private final Map<Object, Target> targets = new ConcurrentHashMap<>();

	/**
	 * Create a coalescer.
	 * @param window how long after a clear further clears of the same target are deferred; zero disables
	 */
	ClearCoalescer(Duration window) {
		this.windowNanos = window.toNanos();
		if (this.windowNanos > 0) {
			ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1,
					DaemonThreads.named("nearcache-clear-coalescer"));
			scheduler.setRemoveOnCancelPolicy(true);
			this.scheduler = scheduler;
		}
		else {
			this.scheduler = null;
		}
	}

	/**
	 * Clear a target now, or make sure it is cleared again within the window.
	 * @param target identifies what {@code clear} clears (the cache, or a marker for every cache)
	 * @param clear clears it
	 * @return {@code true} if the clear ran now, {@code false} if it was coalesced into a trailing clear
	 */
	boolean clear(Object target, Runnable clear) {
		ScheduledThreadPoolExecutor scheduler = this.scheduler;
		if (scheduler == null || scheduler.isShutdown()) {
			clear.run();
			return true;
		}
		Target state = this.targets.computeIfAbsent(target, (key) -> new Target(clear));
		synchronized (state) {
			long now = System.nanoTime();
			if (!state.trailing && (!state.ever || now - state.lastStart >= this.windowNanos)) {
				state.ever = true;
				state.lastStart = now;
			}
			else {
				if (!state.trailing) {
					long delay = Math.max(0, state.lastStart + this.windowNanos - now);
					try {
						scheduler.schedule(() -> trailing(state), delay, TimeUnit.NANOSECONDS);
						state.trailing = true;
					}
					catch (RejectedExecutionException ex) {
						// Closing: clear at once rather than never.
						state.lastStart = now;
						return runNow(clear);
					}
				}
				return false;
			}
		}
		return runNow(clear);
	}

	/**
	 * Treat a target as just cleared by other means and defer its clears asked for within {@code period} from now
	 * into one trailing clear at the end of that period (then the usual window applies again). A no-op with a
	 * window of zero, or while a trailing clear is pending (it will run anyway).
	 * @param target identifies what {@code clear} clears
	 * @param clear clears it
	 * @param period how long to hold clears back
	 */
	void holdOff(Object target, Runnable clear, Duration period) {
		if (this.scheduler == null) {
			return;
		}
		Target state = this.targets.computeIfAbsent(target, (key) -> new Target(clear));
		synchronized (state) {
			if (!state.trailing) {
				long heldUntil = System.nanoTime() + period.toNanos();
				long lastStart = heldUntil - this.windowNanos;
				if (!state.ever || lastStart - state.lastStart > 0) {
					state.ever = true;
					state.lastStart = lastStart;
				}
			}
		}
	}

	private static boolean runNow(Runnable clear) {
		clear.run();
		return true;
	}

	private void trailing(Target state) {
		synchronized (state) {
			// A clear message arriving from now on schedules another trailing clear: this one may have started
			// sweeping before it arrived.
			state.trailing = false;
			state.lastStart = System.nanoTime();
		}
		try {
			state.clear.run();
		}
		catch (RuntimeException ex) {
			logger.warn("nearcache: a coalesced clear failed", ex);
		}
	}

	@Override
	public void close() {
		if (this.scheduler != null) {
			this.scheduler.shutdownNow();
		}
	}

	/** The clear state of one target; guarded by its own monitor. */
	private static final class Target {

		private final Runnable clear;

		private boolean ever;

		private long lastStart;

		private boolean trailing;

		private Target(Runnable clear) {
			this.clear = clear;
		}

	}

}
