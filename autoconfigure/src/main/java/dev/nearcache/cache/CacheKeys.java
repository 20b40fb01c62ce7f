package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Finds, for one cache, every local key whose canonical form is a given string, so that an invalidation
 * arriving as a string evicts exactly the entries a local {@code evict} would.
 * <p>
 * Keys of {@link KeyCanonicalizer#isExpandable expandable} types are found by remembering which such types the
 * cache has seen and parsing the string into each; nothing is stored per key. Other types (composite keys,
 * converted keys) are kept in a reverse index from canonical form to keys. The index is exact: a key is in it
 * exactly while the cache holds it, because {@link NearCache} changes a key's index entry only inside the Caffeine
 * compute (or eviction) that changes the key's entry, under that key's lock. Adding is done before the install's
 * stamp check, so that an invalidation which looked the form up too early is one the check sees. All of this
 * happens where keys are written or evicted, never on a cache hit.
 */
final class CacheKeys {

	private final KeyCanonicalizer canonicalizer;

	private final boolean required;

	private volatile Class<?>[] expandableTypes = new Class<?>[0];

	private final ConcurrentHashMap<String, Set<Object>> reverseIndex = new ConcurrentHashMap<>();

	/**
	 * @param canonicalizer the canonical forms
	 * @param required whether a key without a canonical form is an error (broadcasting caches) rather than a key
	 * that simply cannot be addressed by string (local caches)
	 */
	CacheKeys(KeyCanonicalizer canonicalizer, boolean required) {
		this.canonicalizer = canonicalizer;
		this.required = required;
	}

	/**
	 * Validate a key about to be written or loaded, and remember its type if it is expandable.
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
	 * Return whether a key is found through the reverse index (it has a canonical form that cannot be parsed
	 * back into it).
	 * @param key the key
	 * @param canonical its canonical form, or {@code null}
	 * @return whether its entry must be indexed
	 */
	boolean indexed(Object key, @Nullable String canonical) {
		return canonical != null && !this.canonicalizer.isExpandable(KeyCanonicalizer.keyType(key));
	}

	/**
	 * Index a key. Call only under the key's lock in the cache (inside its compute), for an indexed key.
	 * @param key the key
	 * @param canonical its canonical form
	 */
	void add(Object key, String canonical) {
		this.reverseIndex.compute(canonical, (form, keys) -> {
			Set<Object> set = (keys != null) ? keys : ConcurrentHashMap.newKeySet();
			set.add(key);
			return set;
		});
	}

	/**
	 * Forget a key. Call only under the key's lock in the cache (inside its compute or eviction).
	 * @param key the key
	 * @param canonical its canonical form
	 */
	void remove(Object key, String canonical) {
		this.reverseIndex.computeIfPresent(canonical, (form, keys) -> {
			keys.remove(key);
			return keys.isEmpty() ? null : keys;
		});
	}

	/**
	 * Forget a key that Caffeine evicted (size, expiry), if it is indexed. Called under the key's lock.
	 * @param key the key
	 */
	void evicted(Object key) {
		if (this.reverseIndex.isEmpty() || this.canonicalizer.isExpandable(KeyCanonicalizer.keyType(key))) {
			return;
		}
		String canonical = this.canonicalizer.canonicalizeOrNull(key);
		if (canonical != null) {
			remove(key, canonical);
		}
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
	 * Return every key this cache may hold under a canonical form: each remembered expandable type's parse of it,
	 * and the indexed keys.
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
