package dev.nearcache.annotation;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Invalidations to carry out together: keys per cache and caches to clear. A clear absorbs the keys of its cache.
 * Merging one call's or one transaction's invalidations here is what sends one message per cache. Not
 * thread-safe: each batch is filled by one thread (a call, or a transaction's thread) before it is flushed.
 */
final class InvalidationBatch {

	private final Map<String, Set<Object>> keys = new LinkedHashMap<>();

	private final Set<String> clears = new LinkedHashSet<>();

	void add(String cacheName, Object key) {
		if (!this.clears.contains(cacheName)) {
			this.keys.computeIfAbsent(cacheName, (name) -> new LinkedHashSet<>()).add(key);
		}
	}

	void clear(String cacheName) {
		this.clears.add(cacheName);
		this.keys.remove(cacheName);
	}

	void addAll(InvalidationBatch other) {
		other.clears.forEach(this::clear);
		other.keys.forEach((cacheName, cacheKeys) -> cacheKeys.forEach((key) -> add(cacheName, key)));
	}

	boolean isEmpty() {
		return this.keys.isEmpty() && this.clears.isEmpty();
	}

	/** @return the caches to clear */
	Collection<String> clears() {
		return this.clears;
	}

	/** @return the keys to evict by cache, without the caches to clear */
	Map<String, Set<Object>> keys() {
		return this.keys;
	}

}
