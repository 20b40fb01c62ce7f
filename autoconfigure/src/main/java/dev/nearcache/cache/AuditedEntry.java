package dev.nearcache.cache;

import org.jspecify.annotations.Nullable;

/**
 * One cache entry as the stale-read audit saw it on a sampled hit: the very stored entry (compared by identity
 * later) and the key's invalidation stamp at that moment. {@link NearCache#unchangedSince(AuditedEntry)} tells
 * whether the same entry is still cached and nothing invalidated its key (or cleared the cache) since.
 */
public final class AuditedEntry {

	private final Object key;

	private final Object stored;

	private final @Nullable Object value;

	final Object stripeKey;

	final long stamp;

	AuditedEntry(Object key, Object stored, @Nullable Object value, Object stripeKey, long stamp) {
		this.key = key;
		this.stored = stored;
		this.value = value;
		this.stripeKey = stripeKey;
		this.stamp = stamp;
	}

	/** @return the key the entry is stored under */
	public Object key() {
		return this.key;
	}

	/** @return the cached value as a read returns it ({@code null} for a cached null) */
	public @Nullable Object value() {
		return this.value;
	}

	Object stored() {
		return this.stored;
	}

}
