package dev.nearcache.invalidation;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Invalidations waiting to be published. Everything added while a publish is in flight goes out together with
 * the next one, so batching grows with the write rate and adds no delay when writes are rare.
 * <p>
 * Bounded: a cache with more pending keys than the limit is sent as a clear of that cache, and a pending clear
 * absorbs the keys of its cache. Every invalidation is idempotent and applied on receipt, so merging and
 * re-queueing a failed batch never loses or reorders anything that matters.
 */
final class PendingInvalidations {

	private final int maxKeysPerCache;

	private boolean clearAll;

	private final Set<String> clears = new LinkedHashSet<>();

	/** Keys by cache; handed to the batch whole on {@link #drain()} (no copy), replaced by an empty map. */
	private Map<String, Set<String>> keys = new LinkedHashMap<>();

	PendingInvalidations(int maxKeysPerCache) {
		this.maxKeysPerCache = maxKeysPerCache;
	}

	synchronized void addKeys(String cache, Collection<String> canonicalKeys) {
		addKeys(cache, canonicalKeys, true);
	}

	/**
	 * Add keys to evict.
	 * @param cache the cache
	 * @param canonicalKeys the keys' canonical forms
	 * @param wake whether to wake a thread waiting in {@link #awaitAndDrain}
	 */
	synchronized void addKeys(String cache, Collection<String> canonicalKeys, boolean wake) {
		if (canonicalKeys.isEmpty() || this.clearAll || this.clears.contains(cache)) {
			return;
		}
		Set<String> pending = this.keys.computeIfAbsent(cache, (name) -> new LinkedHashSet<>());
		pending.addAll(canonicalKeys);
		if (pending.size() > this.maxKeysPerCache) {
			this.keys.remove(cache);
			this.clears.add(cache);
		}
		if (wake) {
			notifyAll();
		}
	}

	synchronized void addClear(@Nullable String cache) {
		addClear(cache, true);
	}

	/**
	 * Add a clear.
	 * @param cache the cache, or {@code null} for every cache
	 * @param wake whether to wake a thread waiting in {@link #awaitAndDrain}
	 */
	synchronized void addClear(@Nullable String cache, boolean wake) {
		if (cache == null) {
			this.clearAll = true;
			this.clears.clear();
			this.keys.clear();
		}
		else if (!this.clearAll) {
			this.keys.remove(cache);
			this.clears.add(cache);
		}
		if (wake) {
			notifyAll();
		}
	}

	synchronized void addAll(Batch batch) {
		if (batch.clearAll()) {
			addClear(null);
			return;
		}
		batch.clears().forEach(this::addClear);
		batch.keys().forEach(this::addKeys);
	}

	/**
	 * Wait until something is pending, then take all of it.
	 * @param timeoutMillis the longest wait
	 * @return what was pending, or {@code null} if nothing was when the wait ended (timeout or wake-up)
	 * @throws InterruptedException if interrupted while waiting
	 */
	synchronized @Nullable Batch awaitAndDrain(long timeoutMillis) throws InterruptedException {
		if (isEmpty() && timeoutMillis > 0) {
			wait(timeoutMillis);
		}
		// Null if timed out, or woken up to look at something else (a heartbeat, shutdown).
		return drain();
	}

	/**
	 * Take everything pending without waiting.
	 * @return what was pending, or {@code null} if nothing was
	 */
	synchronized @Nullable Batch drain() {
		if (isEmpty()) {
			return null;
		}
		Batch batch = new Batch(this.clearAll, this.clears.isEmpty() ? Set.of() : Set.copyOf(this.clears), this.keys);
		this.clearAll = false;
		this.clears.clear();
		this.keys = new LinkedHashMap<>();
		return batch;
	}

	/** Wake a thread waiting in {@link #awaitAndDrain} without adding anything. */
	synchronized void wakeUp() {
		notifyAll();
	}

	synchronized boolean isEmpty() {
		return !this.clearAll && this.clears.isEmpty() && this.keys.isEmpty();
	}

	/**
	 * A drained set of invalidations.
	 *
	 * @param clearAll whether every cache is to be cleared (then nothing else is set)
	 * @param clears caches to clear
	 * @param keys keys to evict, by cache
	 */
	record Batch(boolean clearAll, Set<String> clears, Map<String, Set<String>> keys) {
	}

}
