package dev.nearcache.audit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * At most so many repeated calls per second: each permit moves the time of the next one on by a fixed interval, so
 * the audit's load on the source of truth stays below its budget however many hits are sampled. Lock-free; a
 * refused permit costs one volatile read.
 */
final class CallBudget {

	private final long intervalNanos;

	private final AtomicLong next = new AtomicLong(System.nanoTime());

	/**
	 * @param perSecond permits per second; 0 for no limit
	 */
	CallBudget(int perSecond) {
		this.intervalNanos = (perSecond > 0) ? 1_000_000_000L / perSecond : 0;
	}

	boolean tryAcquire() {
		if (this.intervalNanos == 0) {
			return true;
		}
		long now = System.nanoTime();
		long next = this.next.get();
		if (now - next < 0) {
			return false;
		}
		// Unused time does not accumulate beyond one second's worth: a quiet minute is no licence for a burst.
		long from = Math.max(next, now - 1_000_000_000L);
		return this.next.compareAndSet(next, from + this.intervalNanos);
	}

}
