package dev.nearcache.cache;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * Exact hit and miss counts of one cache, each counted by the reading thread in memory only that thread writes.
 * <p>
 * Why not a {@code LongAdder}, as Caffeine's own counter: its increment is an atomic read-modify-write, a large
 * part of a hit that otherwise costs a few loads. Here a platform thread finds its own cell through a
 * {@link ThreadLocal} and increments it with a plain load and an opaque store: no lost update is possible, since no
 * other thread writes that cell, and a reader sums every cell. Counts are exact, not sampled: a sum taken while
 * reads are in progress misses only the increments not yet visible, which the next sum sees.
 * <p>
 * A cell outlives its thread until a sum or a later registration finds the thread dead and folds the cell into
 * the retired totals (the thread's last writes are visible then: a thread's end happens before another thread
 * sees it is not alive). Virtual threads, typically one per task, share one atomic cell instead, so that
 * short-lived threads do not each leave a cell behind.
 */
final class ReadCounts {

	private static final VarHandle HITS;

	private static final VarHandle MISSES;

	private static final @Nullable MethodHandle IS_VIRTUAL;

	/** Registrations between two sweeps of cells of dead threads. */
	private static final int SWEEP_INTERVAL = 64;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			HITS = lookup.findVarHandle(CellCounts.class, "hits", long.class);
			MISSES = lookup.findVarHandle(CellCounts.class, "misses", long.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
		MethodHandle isVirtual;
		try {
			isVirtual = MethodHandles.publicLookup()
				.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
		}
		catch (ReflectiveOperationException ex) {
			isVirtual = null; // before Java 21: no virtual threads
		}
		IS_VIRTUAL = isVirtual;
	}

	private final ThreadLocal<Cell> cells = ThreadLocal.withInitial(this::register);

	private final Set<Cell> owned = ConcurrentHashMap.newKeySet();

	/** The cell all virtual threads share, incremented atomically. */
	private final Cell shared = new Cell(null);

	private final AtomicInteger registrations = new AtomicInteger();

	private long retiredHits;

	private long retiredMisses;

	/**
	 * Count hits on the calling thread.
	 * @param count how many
	 */
	void hits(int count) {
		this.cells.get().addHits(count);
	}

	/**
	 * Count misses on the calling thread.
	 * @param count how many
	 */
	void misses(int count) {
		this.cells.get().addMisses(count);
	}

	/** @return the hits counted so far */
	long hits() {
		return sums()[0];
	}

	/** @return the misses counted so far */
	long misses() {
		return sums()[1];
	}

	/**
	 * Return both counts, summed in one pass.
	 * @return hits then misses
	 */
	synchronized long[] sums() {
		long hits = 0;
		long misses = 0;
		for (Iterator<Cell> iterator = this.owned.iterator(); iterator.hasNext();) {
			Cell cell = iterator.next();
			Thread owner = cell.owner;
			if (owner == null || !owner.isAlive()) {
				// Read after isAlive() returned false, so the thread's last increments are included.
				iterator.remove();
				this.retiredHits += (long) HITS.getVolatile(cell);
				this.retiredMisses += (long) MISSES.getVolatile(cell);
			}
			else {
				hits += (long) HITS.getOpaque(cell);
				misses += (long) MISSES.getOpaque(cell);
			}
		}
		return new long[] { this.retiredHits + (long) HITS.getVolatile(this.shared) + hits,
				this.retiredMisses + (long) MISSES.getVolatile(this.shared) + misses };
	}

	/** @return cells held for platform threads (tests) */
	int cellCount() {
		return this.owned.size();
	}

	private Cell register() {
		Thread thread = Thread.currentThread();
		if (isVirtual(thread)) {
			return this.shared;
		}
		if (this.registrations.incrementAndGet() % SWEEP_INTERVAL == 0) {
			sums();
		}
		Cell cell = new Cell(thread);
		this.owned.add(cell);
		return cell;
	}

	private static boolean isVirtual(Thread thread) {
		if (IS_VIRTUAL == null) {
			return false;
		}
		try {
			return (boolean) IS_VIRTUAL.invokeExact(thread);
		}
		catch (Throwable ex) {
			return false;
		}
	}

	/**
	 * One thread's counts; or, without an owner, the counts every virtual thread adds to atomically. Padded on both
	 * sides (superclass fields are laid out first) so that two threads' cells never share a cache line, wherever
	 * the garbage collector moves them.
	 */
	private static final class Cell extends CellCounts {

		long q0, q1, q2, q3, q4, q5, q6, q7;

		Cell(@Nullable Thread owner) {
			super(owner);
		}

		void addHits(int count) {
			if (this.owner != null) {
				HITS.setOpaque(this, this.hits + count);
			}
			else {
				HITS.getAndAdd(this, (long) count);
			}
		}

		void addMisses(int count) {
			if (this.owner != null) {
				MISSES.setOpaque(this, this.misses + count);
			}
			else {
				MISSES.getAndAdd(this, (long) count);
			}
		}

	}

	/** The counted fields of a {@link Cell}, after the leading padding. */
	private abstract static class CellCounts extends CellPadding {

		final @Nullable Thread owner;

		long hits;

		long misses;

		CellCounts(@Nullable Thread owner) {
			this.owner = owner;
		}

	}

	/** Padding before a {@link Cell}'s counts. */
	private abstract static class CellPadding {

		long p0, p1, p2, p3, p4, p5, p6, p7;

	}

}
