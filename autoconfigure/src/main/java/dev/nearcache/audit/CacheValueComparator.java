package dev.nearcache.audit;

import org.jspecify.annotations.Nullable;

/**
 * Tells whether a cached value and a value freshly returned by the source of truth are the same, for the stale-read
 * audit. Declare one as a bean to replace the default (JSON trees through the application's {@code JsonMapper})
 * for values without a meaningful {@code equals}, or name one per cache with
 * {@code nearcache.caches.<name>.audit.comparator} — for instance to ignore a timestamp that differs on every load,
 * or the order of an unordered collection. Called on the audit's threads, never on a request thread.
 */
@FunctionalInterface
public interface CacheValueComparator {

	/**
	 * Compare a cached value with a fresh one. Either may be {@code null} (a cached "not found").
	 * @param cached the value the cache holds
	 * @param fresh what the method returned now (a future's or publisher's value, an {@code Optional}'s content)
	 * @return whether they represent the same data
	 * @throws Exception if they cannot be compared (counted as an audit error)
	 */
	boolean same(@Nullable Object cached, @Nullable Object fresh) throws Exception;

}
