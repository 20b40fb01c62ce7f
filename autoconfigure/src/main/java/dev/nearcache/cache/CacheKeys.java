package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Finds, for one cache, every local key whose canonical form is a given string, so that an invalidation
 * arriving as a string evicts exactly the entries a local {@code evict} would.
 * <p>
 * Keys of {@link KeyCanonicalizer#isExpandable expandable} types are found by remembering which such types the
 * cache has seen and parsing the string into each; nothing is stored per key. Other types (composite keys,
 * converted keys) are kept in a reverse index from canonical form to keys, maintained on write and removal.
 * All of this happens where keys are written or evicted, never on a cache hit.
 */
final class CacheKeys {

	private final KeyCanonicalizer canonicalizer;

	private final boolean required;

	private volatile Class<?>[] expandableTypes = new Class<?>[0];

	private final ConcurrentHashMap<String, Set<Object>> reverseIndex = new ConcurrentHashMap<>();

	private final Predicate<Object> inCache;

	/**
	 * @param canonicalizer the canonical forms
	 * @param required whether a key without a canonical form is an error (broadcasting caches) rather than a key
	 * that simply cannot be addressed by string (local caches)
	 * @param inCache tells whether a key is currently in the cache
	 */
	CacheKeys(KeyCanonicalizer canonicalizer, boolean required, Predicate<Object> inCache) {
		this.canonicalizer = canonicalizer;
		this.required = required;
		this.inCache = inCache;
	}

	/**
	 * Validate and register a key about to be written; call {@link #written} after the write.
	 * @param key the key
	 * @return its canonical form, or {@code null} for an unsupported key in a local cache
	 * @throws UnsupportedCacheKeyException for an unsupported key in a broadcasting cache
	 */
	@Nullable String beforeWrite(Object key) {
		Class<?> type = KeyCanonicalizer.keyType(key);
		String canonical = this.required ? this.canonicalizer.canonicalize(key)
				: this.canonicalizer.canonicalizeOrNull(key);
		if (canonical != null && this.canonicalizer.isExpandable(type)) {
			rememberType(type);
		}
		return canonical;
	}

	/**
	 * Index a key that has been written. Done after the write so that a concurrent {@link #removed} for the same
	 * key, which checks the cache, cannot drop the index entry of a key that is in the cache; and checked again
	 * after indexing, since the entry may have been evicted (and its removal handled) before it was indexed.
	 * @param key the key
	 * @param canonical its canonical form from {@link #beforeWrite}
	 */
	void written(Object key, @Nullable String canonical) {
		if (canonical != null && !this.canonicalizer.isExpandable(KeyCanonicalizer.keyType(key))) {
			this.reverseIndex.computeIfAbsent(canonical, (form) -> ConcurrentHashMap.newKeySet()).add(key);
			if (!this.inCache.test(key)) {
				removed(key);
			}
		}
	}

	/**
	 * Forget a key that left the cache, unless it is back already.
	 * @param key the key
	 */
	void removed(Object key) {
		if (this.reverseIndex.isEmpty() || this.canonicalizer.isExpandable(KeyCanonicalizer.keyType(key))) {
			return;
		}
		String canonical = this.canonicalizer.canonicalizeOrNull(key);
		if (canonical == null) {
			return;
		}
		this.reverseIndex.computeIfPresent(canonical, (form, keys) -> {
			if (!this.inCache.test(key)) {
				keys.remove(key);
			}
			return keys.isEmpty() ? null : keys;
		});
	}

	/**
	 * Return the canonical form of a key, or {@code null} if it has none.
	 * @param key the key
	 * @return the canonical form
	 */
	@Nullable String canonicalOrNull(Object key) {
		return this.canonicalizer.canonicalizeOrNull(key);
	}

	/**
	 * Return every key this cache may hold under a canonical form.
	 * @param canonical the canonical form
	 * @return the candidate keys (some may not be in the cache)
	 */
	List<Object> candidates(String canonical) {
		Class<?>[] types = this.expandableTypes;
		Set<Object> indexed = this.reverseIndex.getOrDefault(canonical, Collections.emptySet());
		List<Object> keys = new ArrayList<>(types.length + indexed.size());
		for (Class<?> type : types) {
			Object key = this.canonicalizer.parse(canonical, type);
			if (key != null) {
				keys.add(key);
			}
		}
		keys.addAll(indexed);
		return keys;
	}

	int indexedKeys() {
		return this.reverseIndex.size();
	}

	private void rememberType(Class<?> type) {
		Class<?>[] types = this.expandableTypes;
		for (Class<?> known : types) {
			if (known == type) {
				return;
			}
		}
		synchronized (this) {
			types = this.expandableTypes;
			if (!Arrays.asList(types).contains(type)) {
				Class<?>[] grown = Arrays.copyOf(types, types.length + 1);
				grown[types.length] = type;
				this.expandableTypes = grown;
			}
		}
	}

}
