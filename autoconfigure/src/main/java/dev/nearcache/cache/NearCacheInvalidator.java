package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Invalidation for code that does not use cache annotations: evicts on this instance before returning and
 * publishes to the others.
 * <p>
 * Keys may be given as the objects the cache stores or as their canonical string form: {@code "42"} evicts an
 * entry stored under {@code 42L} too. A cache that does not exist on this instance is still invalidated on the
 * others, which may hold it.
 */
public class NearCacheInvalidator {

	private final NearCacheManager cacheManager;

	/**
	 * Create an invalidator.
	 * @param cacheManager the manager whose caches it invalidates
	 */
	public NearCacheInvalidator(NearCacheManager cacheManager) {
		this.cacheManager = cacheManager;
	}

	/**
	 * Evict one key everywhere.
	 * @param cacheName the cache name
	 * @param key the key, or its canonical form
	 */
	public void invalidate(String cacheName, Object key) {
		invalidateAll(cacheName, List.of(key));
	}

	/**
	 * Evict several keys of one cache everywhere; they travel in as few messages as the size limit allows.
	 * @param cacheName the cache name
	 * @param keys the keys, or their canonical forms
	 */
	public void invalidateAll(String cacheName, Collection<?> keys) {
		requireKnown(cacheName);
		NearCache cache = this.cacheManager.findCache(cacheName);
		if (cache != null && !cache.getSettings().broadcast()) {
			// A purely local cache accepts any key, with or without a canonical form.
			keys.forEach(cache::evictLocally);
			return;
		}
		KeyCanonicalizer canonicalizer = this.cacheManager.getKeyCanonicalizer();
		List<String> canonicalKeys = new ArrayList<>(keys.size());
		for (Object key : keys) {
			canonicalKeys.add(canonicalizer.canonicalize(key));
		}
		if (cache != null) {
			keys.forEach(cache::evictLocally);
		}
		if (!canonicalKeys.isEmpty()) {
			this.cacheManager.getPublisher().publishInvalidation(cacheName, canonicalKeys);
		}
	}

	/**
	 * Clear one cache everywhere.
	 * @param cacheName the cache name
	 */
	public void clear(String cacheName) {
		requireKnown(cacheName);
		NearCache cache = this.cacheManager.findCache(cacheName);
		if (cache != null) {
			cache.clearLocally();
			if (!cache.getSettings().broadcast()) {
				return;
			}
		}
		this.cacheManager.getPublisher().publishClear(cacheName);
	}

	/** Clear every cache everywhere. */
	public void clearAll() {
		this.cacheManager.clearAllLocally();
		this.cacheManager.getPublisher().publishClear(null);
	}

	private void requireKnown(String cacheName) {
		if (!this.cacheManager.isKnown(cacheName)) {
			throw new IllegalArgumentException("No near cache named '" + cacheName + "' (nearcache.dynamic=false and it "
					+ "is not configured); known caches: " + this.cacheManager.getCacheNames());
		}
	}

}
