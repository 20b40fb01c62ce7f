package dev.nearcache.cache;

/**
 * Gives a key type that nearcache does not know a canonical string form, so that an invalidation of such a
 * key can travel to other instances (and from other languages). Register an implementation as a bean.
 * <p>
 * The form must be deterministic across JVMs and restarts, and two keys that are {@code equals} must have the
 * same form. Keys converted this way are tracked in a reverse index per cache, since a string cannot be turned
 * back into the key.
 *
 * @param <K> the key type
 */
public interface CacheKeyConverter<K> {

	/**
	 * Return the key type this converter handles (instances of subclasses are handled too).
	 * @return the key type
	 */
	Class<K> keyType();

	/**
	 * Return the canonical string form of a key.
	 * @param key the key
	 * @return its canonical form, never {@code null}
	 */
	String toCanonicalString(K key);

}
