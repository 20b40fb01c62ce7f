package dev.nearcache.cache;

import java.util.Collection;

import org.jspecify.annotations.Nullable;

/**
 * Where a near cache sends the invalidations it made locally, so the other instances drop their copies.
 * <p>
 * Implementations must never block the calling thread on the network: callers are request threads and
 * transaction callbacks. Keys arrive in their canonical string form (see {@link KeyCanonicalizer}).
 */
public interface InvalidationPublisher {

	/** Publisher that sends nothing: local-only mode. */
	InvalidationPublisher NONE = new InvalidationPublisher() {

		@Override
		public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
		}

		@Override
		public void publishClear(@Nullable String cacheName) {
		}

	};

	/**
	 * Ask the other instances to drop the given keys of one cache.
	 * @param cacheName the cache name
	 * @param canonicalKeys the keys, in canonical string form
	 */
	void publishInvalidation(String cacheName, Collection<String> canonicalKeys);

	/**
	 * Ask the other instances to clear one cache, or all of them.
	 * @param cacheName the cache to clear, or {@code null} for every cache
	 */
	void publishClear(@Nullable String cacheName);

}
