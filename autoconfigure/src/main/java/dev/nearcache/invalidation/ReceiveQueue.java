package dev.nearcache.invalidation;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The hand-off from the threads that receive (Lettuce's I/O threads, shared by every connection of the client)
 * to the one thread that applies, in arrival order.
 * <p>
 * Invariant: <em>{@link #offer} never blocks, never takes a lock and allocates nothing</em>, so a receiving thread
 * spends a few atomic operations (and at most one unpark) per message here whatever the applying thread is doing;
 * and <em>every item accepted before {@link #close} is called is handled exactly once, in the order of
 * acceptance</em> (an offer racing with {@code close} is either refused or handled).
 * <p>
 * Items wait in a bounded array (a multi-producer, single-consumer ring: a producer claims a slot by a
 * compare-and-set on the tail, fills it and publishes it through the slot's sequence number). When the array is
 * full, {@code offer} refuses the item at once and the caller counts the loss. The applying thread, when it finds
 * nothing, parks; a producer unparks it only if it announced that it parks, so a busy applying thread costs a
 * producer no system call. While messages come closer together than {@link #SPIN_NANOS} (a burst, a high rate), it
 * first spins that long, and then neither thread pays a wake-up; once a wait was longer than that, it parks at once
 * again, so a steady trickle of messages costs no spinning (a shared 2-core machine has no core to spare).
 */
final class ReceiveQueue implements AutoCloseable {

	/** How long the applying thread looks for more work before it parks. */
	static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(20);

	private static final Log logger = LogFactory.getLog(ReceiveQueue.class);

	private final int capacity;

	private final int mask;

	private final @Nullable Object[] items;

	private final int[] buckets;

	/** Per slot, the position it can be written at ({@code == position}) or read at ({@code == position + 1}). */
	private final AtomicLongArray sequences;

	private final AtomicLong tail = new AtomicLong();

	/** Read and written by the applying thread only; published for {@link #offer}'s bound. */
	private volatile long head;

	private volatile boolean parked;

	private volatile boolean closed;

	private final Handler handler;

	private final Thread thread;

	/**
	 * Create the queue and start its applying thread.
	 * @param capacity the most items that may wait
	 * @param threads makes the applying thread
	 * @param handler applies each item, on the applying thread
	 */
	ReceiveQueue(int capacity, ThreadFactory threads, Handler handler) {
		if (capacity < 1) {
			throw new IllegalArgumentException("capacity must be positive: " + capacity);
		}
		int size = Math.max(2, Integer.highestOneBit(capacity - 1) << 1);
		this.capacity = capacity;
		this.mask = size - 1;
		this.items = new Object[size];
		this.buckets = new int[size];
		this.sequences = new AtomicLongArray(size);
		for (int i = 0; i < size; i++) {
			this.sequences.set(i, i);
		}
		this.handler = handler;
		this.thread = threads.newThread(this::run);
		this.thread.start();
	}

	/**
	 * Queue an item for the applying thread, without ever waiting.
	 * @param bucket the channel it arrived on
	 * @param item a message body ({@code byte[]}) or an event ({@link Runnable})
	 * @return {@code false} if it was refused: the queue is full or closed
	 */
	boolean offer(int bucket, Object item) {
		while (!this.closed) {
			long position = this.tail.get();
			int slot = (int) position & this.mask;
			long sequence = this.sequences.get(slot);
			if (sequence == position) {
				if (position - this.head >= this.capacity) {
					return false;
				}
				if (this.tail.compareAndSet(position, position + 1)) {
					this.items[slot] = item;
					this.buckets[slot] = bucket;
					// A volatile write, ordered before the read of parked: either the applying thread sees the item
					// when it checks again after announcing that it parks, or this thread sees that announcement.
					this.sequences.set(slot, position + 1);
					if (this.parked) {
						LockSupport.unpark(this.thread);
					}
					return true;
				}
			}
			else if (sequence - position < 0) {
				// The slot still holds the item of the previous lap: full.
				return false;
			}
			// Another producer claimed this position: try the next one.
		}
		return false;
	}

	/**
	 * Return whether the queue was closed (then {@link #offer} refuses everything).
	 * @return whether closed
	 */
	boolean isClosed() {
		return this.closed;
	}

	/**
	 * Refuse new items, let the applying thread handle what was accepted, and wait for it at most the timeout.
	 * @param timeoutMillis the longest wait
	 * @throws InterruptedException if interrupted while waiting
	 */
	void close(long timeoutMillis) throws InterruptedException {
		this.closed = true;
		LockSupport.unpark(this.thread);
		this.thread.join(timeoutMillis);
	}

	@Override
	public void close() throws InterruptedException {
		close(1000);
	}

	private void run() {
		boolean spinning = true;
		while (true) {
			if (handleAvailable()) {
				continue;
			}
			if (this.closed) {
				drainClaimed();
				return;
			}
			if (spinning && spin()) {
				continue;
			}
			long parkedAt = System.nanoTime();
			this.parked = true;
			if (!available() && !this.closed) {
				LockSupport.park(this);
			}
			this.parked = false;
			// Spin next time only if this wait was short enough for a spin to have caught it.
			spinning = System.nanoTime() - parkedAt < SPIN_NANOS;
		}
	}

	/** Handle every item published so far; return whether there was any. */
	private boolean handleAvailable() {
		boolean any = false;
		long position = this.head;
		while (true) {
			int slot = (int) position & this.mask;
			if (this.sequences.get(slot) != position + 1) {
				return any;
			}
			Object item = this.items[slot];
			int bucket = this.buckets[slot];
			this.items[slot] = null;
			this.sequences.set(slot, position + this.mask + 1);
			this.head = ++position;
			any = true;
			try {
				this.handler.handle(bucket, item);
			}
			catch (RuntimeException ex) {
				logger.warn("nearcache: applying a received message failed", ex);
			}
		}
	}

	/**
	 * Closed: handle what producers claimed before they saw it, waiting briefly for those still filling a slot
	 * (they do so right after claiming it, with nothing in between that waits).
	 */
	private void drainClaimed() {
		long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
		while (this.head != this.tail.get() && System.nanoTime() - deadline < 0) {
			if (!handleAvailable()) {
				Thread.onSpinWait();
			}
		}
	}

	private boolean available() {
		long position = this.head;
		return this.sequences.get((int) position & this.mask) == position + 1;
	}

	private boolean spin() {
		long until = System.nanoTime() + SPIN_NANOS;
		do {
			if (available()) {
				return true;
			}
			Thread.onSpinWait();
		}
		while (System.nanoTime() - until < 0 && !this.closed);
		return available();
	}

	/** Applies what was queued, on the applying thread. */
	@FunctionalInterface
	interface Handler {

		/**
		 * Apply one item.
		 * @param bucket the channel it arrived on
		 * @param item what was offered
		 */
		void handle(int bucket, Object item);

	}

}
