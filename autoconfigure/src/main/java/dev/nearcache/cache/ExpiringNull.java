package dev.nearcache.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueWrapper;

/**
 * A cached {@code null} ("not found") that lives shorter than the cache's values.
 * <p>
 * Nulls usually get a shorter TTL ({@code null-ttl}) than values. Giving Caffeine a per-entry (variable) expiry
 * for that costs every hit an expiry callback and a heavier node; instead the cache keeps Caffeine's fixed
 * expire-after-write at the value TTL, and each cached null carries its own deadline, checked only when the
 * entry read is one of these. A null past its deadline reads as a miss and is removed then; one never read
 * again goes with the value TTL. Identity equality on purpose: a conditional remove must take this very entry,
 * not a later null stored under the same key. It is its own {@link ValueWrapper}, so that a hit on it allocates
 * nothing, like a hit on a {@link CachedValue}.
 */
final class ExpiringNull implements ValueWrapper {

	private final long expiresAtNanos;

	ExpiringNull(long expiresAtNanos) {
		this.expiresAtNanos = expiresAtNanos;
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
