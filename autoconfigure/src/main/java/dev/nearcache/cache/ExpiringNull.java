package dev.nearcache.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueWrapper;

/**
 * A cached {@code null} ("not found") that lives shorter than the cache's values.
 * <p>
 * Nulls get their own TTL ({@code null-ttl}), shorter or longer than the values'. The cache measures TTLs itself
 * (Caffeine's store has no expiry, see {@link NearCache}): each cached null carries its deadline, capped while
 * degraded, checked only when the entry read is one of these. A null past its deadline reads as a miss and is
 * removed then, or by the next sweep of expired entries. Identity equality on purpose: a conditional remove must take this very entry,
 * not a later null stored under the same key. It is its own {@link ValueWrapper}, so that a hit on it allocates
 * nothing, like a hit on a {@link CachedValue}.
 */
final class ExpiringNull implements ValueWrapper {

	private final long writtenNanos;

	private final long expiresAtNanos;

	ExpiringNull(long writtenNanos, long expiresAtNanos) {
		this.writtenNanos = writtenNanos;
		this.expiresAtNanos = expiresAtNanos;
	}

	/** @return when it was written, on the cache's clock */
	long writtenNanos() {
		return this.writtenNanos;
	}

	/**
	 * Return whether the null TTL has passed.
	 * @param now the time on the cache's ticker, the clock its deadline was set on
	 * @return whether this null must no longer be served
	 */
	boolean hasExpired(long now) {
		return now - this.expiresAtNanos >= 0;
	}

	@Override
	public @Nullable Object get() {
		return null;
	}

	@Override
	public String toString() {
		return "null";
	}

}
