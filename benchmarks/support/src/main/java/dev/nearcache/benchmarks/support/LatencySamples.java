package dev.nearcache.benchmarks.support;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Send and arrival times of one publish-to-evicted measurement, and the line it is reported as. Shared by the
 * latency main classes of all products so that the schedule, the percentiles and the output are the same for
 * each of them, and only the product-specific hooks differ.
 * <p>
 * Sample {@code i} is sent at {@code t0 + i * interval} (open loop: a slow eviction does not delay the next send),
 * its send time taken just before the product's call; its arrival time is taken by the receiving instance's hook
 * and only the first arrival of a sample counts. The first {@code warmup} samples are sent but not reported.
 */
public final class LatencySamples {

	private final int warmup;

	private final long[] sent;

	private final AtomicLongArray arrived;

	private final CountDownLatch pending;

	private final AtomicIntegerArray notEvicted;

	private volatile String receiverThread;

	/**
	 * Create the record of one run.
	 * @param warmup samples sent first and not reported
	 * @param samples samples reported
	 */
	public LatencySamples(int warmup, int samples) {
		this.warmup = warmup;
		this.sent = new long[warmup + samples];
		this.arrived = new AtomicLongArray(warmup + samples);
		this.pending = new CountDownLatch(warmup + samples);
		this.notEvicted = new AtomicIntegerArray(warmup + samples);
	}

	/**
	 * Return how many samples are sent, warm-up included.
	 * @return the number of samples to send
	 */
	public int total() {
		return this.sent.length;
	}

	/**
	 * Send every sample at its time on the calling thread, which parks (never spins) until then. A send that
	 * is late is made at once, so late sends are not made up for by bursts beyond one.
	 * @param intervalNanos time between two sends
	 * @param send the product's call for sample {@code i}
	 */
	public void send(long intervalNanos, IntConsumer send) {
		long start = System.nanoTime();
		for (int i = 0; i < this.sent.length; i++) {
			pace(start + i * intervalNanos);
			this.sent[i] = System.nanoTime();
			send.accept(i);
		}
	}

	/**
	 * Park (never spin) until the given {@link System#nanoTime()}.
	 * @param at the time to wait for
	 */
	public static void pace(long at) {
		long wait;
		while ((wait = at - System.nanoTime()) > 0) {
			LockSupport.parkNanos(wait);
		}
	}

	/**
	 * Record that sample {@code i} arrived; called by the receiving instance's hook, from any thread.
	 * @param i the sample
	 * @param nanos the {@link System#nanoTime()} the hook took
	 * @return whether this was the first arrival of sample {@code i} (later ones are ignored)
	 */
	public boolean arrived(int i, long nanos) {
		if (i < 0 || i >= this.sent.length || !this.arrived.compareAndSet(i, 0, nanos)) {
			return false;
		}
		if (this.receiverThread == null) {
			this.receiverThread = Thread.currentThread().getName();
		}
		this.pending.countDown();
		return true;
	}

	/**
	 * Mark sample {@code i} as not evicted: its entry was still in the receiver's local cache when it arrived or
	 * after the run. A sample is counted once however often it is marked.
	 * @param i the sample
	 */
	public void notEvicted(int i) {
		this.notEvicted.set(i, 1);
	}

	/**
	 * Return the name of the thread the receiving hook ran on, for the log.
	 * @return the thread of the first arrival, or {@code null} if nothing arrived
	 */
	public String receiverThread() {
		return this.receiverThread;
	}

	/**
	 * Wait until every sample arrived or the timeout passed, whichever is first.
	 * @param timeout the longest wait
	 * @return whether every sample arrived
	 * @throws InterruptedException if interrupted while waiting
	 */
	public boolean await(Duration timeout) throws InterruptedException {
		return this.pending.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Return the result as one tab-separated line: name, samples, p50, p90, p99, p99.9, max (µs), lost, not
	 * evicted. Samples after the warm-up that did not arrive (yet) are lost; not evicted counts every sample,
	 * warm-up included (a stale entry is a failure whenever it happens).
	 * @param name the name of the measured path
	 * @return the line, ending in a newline
	 */
	public String line(String name) {
		long[] micros = new long[this.sent.length - this.warmup];
		int got = 0;
		for (int i = this.warmup; i < this.sent.length; i++) {
			long at = this.arrived.get(i);
			if (at != 0) {
				micros[got++] = (at - this.sent[i]) / 1_000;
			}
		}
		micros = Arrays.copyOf(micros, got);
		Arrays.sort(micros);
		int stale = 0;
		for (int i = 0; i < this.sent.length; i++) {
			stale += this.notEvicted.get(i);
		}
		return line(name, micros, this.sent.length - this.warmup - got, stale);
	}

	/**
	 * Format one result line from sorted latencies: name, samples, p50, p90, p99, p99.9, max (µs), lost, not
	 * evicted, tab-separated. Percentiles are nearest-rank. With no latency at all every figure is 0 (and
	 * {@code lost} says why).
	 * @param name the name of the measured path
	 * @param sortedMicros the latencies in µs, ascending
	 * @param lost samples that never arrived
	 * @param notEvicted samples whose entry was still cached when they arrived
	 * @return the line, ending in a newline
	 */
	public static String line(String name, long[] sortedMicros, int lost, long notEvicted) {
		int got = sortedMicros.length;
		return String.join("\t", name, Integer.toString(got), Long.toString(percentile(sortedMicros, 50)),
				Long.toString(percentile(sortedMicros, 90)), Long.toString(percentile(sortedMicros, 99)),
				Long.toString(percentile(sortedMicros, 99.9)), Long.toString(got == 0 ? 0 : sortedMicros[got - 1]),
				Integer.toString(lost), Long.toString(notEvicted)) + "\n";
	}

	private static long percentile(long[] sorted, double p) {
		if (sorted.length == 0) {
			return 0;
		}
		int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
		return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
	}

}
