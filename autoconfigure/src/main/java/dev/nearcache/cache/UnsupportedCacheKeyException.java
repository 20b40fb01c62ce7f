package dev.nearcache.cache;

/**
 * Thrown the first time a cache key of a type without a stable canonical string form is written to a
 * broadcasting cache: such a key could never be invalidated on other instances, so it fails loudly instead.
 */
public class UnsupportedCacheKeyException extends IllegalArgumentException {

	UnsupportedCacheKeyException(Class<?> keyType) {
		super("Cache key type " + keyType.getName() + " has no canonical string form, so invalidations of it "
				+ "could not reach other instances. Use a String, integral number, UUID, enum or Boolean key "
				+ "(or Spring's SimpleKey of those), register a CacheKeyConverter bean for " + keyType.getName()
				+ ", or, if its toString() is deterministic, list it under 'nearcache.keys.to-string-types'.");
	}

}
