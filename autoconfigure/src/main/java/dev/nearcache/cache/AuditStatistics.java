package dev.nearcache.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * What the stale-read audit found in one cache: sampled hits by {@link AuditResult}, and the last few confirmed
 * mismatches by key (never values). Recorded off the hit path, by the audit's own threads.
 */
public final class AuditStatistics {

	/** How many confirmed mismatches are kept for the actuator. */
	public static final int RECENT_MISMATCHES = 5;

	private final Map<AuditResult, LongAdder> samples = new EnumMap<>(AuditResult.class);

	private final ArrayDeque<ConfirmedMismatch> recent = new ArrayDeque<>(RECENT_MISMATCHES);

	private final List<Consumer<ConfirmedMismatch>> listeners = new CopyOnWriteArrayList<>();

	AuditStatistics() {
		for (AuditResult result : AuditResult.values()) {
			this.samples.put(result, new LongAdder());
		}
	}

	/**
	 * Return the sampled hits that ended with a result.
	 * @param result the result
	 * @return how many so far
	 */
	public long samples(AuditResult result) {
		return this.samples.get(result).sum();
	}

	/**
	 * Return the last confirmed mismatches, newest first.
	 * @return at most {@link #RECENT_MISMATCHES} of them
	 */
	public synchronized List<ConfirmedMismatch> recentMismatches() {
		return new ArrayList<>(this.recent);
	}

	/**
	 * Count a sample's result.
	 * @param result the result; a {@link AuditResult#MISMATCH} is recorded with {@link #recordMismatch} instead
	 */
	public void record(AuditResult result) {
		this.samples.get(result).increment();
	}

	/**
	 * Record a confirmed mismatch: counted, kept among the recent ones, and passed to the listeners.
	 * @param mismatch the mismatch
	 */
	public void recordMismatch(ConfirmedMismatch mismatch) {
		this.samples.get(AuditResult.MISMATCH).increment();
		synchronized (this) {
			if (this.recent.size() == RECENT_MISMATCHES) {
				this.recent.removeLast();
			}
			this.recent.addFirst(mismatch);
		}
		this.listeners.forEach((listener) -> listener.accept(mismatch));
	}

	/**
	 * Be told of every confirmed mismatch (the meters record its age).
	 * @param listener called on the audit's thread
	 */
	public void addMismatchListener(Consumer<ConfirmedMismatch> listener) {
		this.listeners.add(listener);
	}

	/**
	 * A confirmed stale read.
	 *
	 * @param key the key's canonical form (or its {@code toString()} where it has none); never the value
	 * @param age how long the stale entry had been cached when the mismatch was confirmed, if known
	 * @param confirmedAt when it was confirmed
	 */
	public record ConfirmedMismatch(String key, Duration age, Instant confirmedAt) {
	}

}
