package dev.nearcache.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueWrapper;

/**
 * A non-null value as the near cache stores it: its own {@link ValueWrapper}, so that a hit returns the stored
 * entry instead of allocating a wrapper.
 * <p>
 * Spring's {@code CaffeineCache} allocates a {@code SimpleValueWrapper} on every {@code get(key)} hit. Measured
 * with JMH on a 2-core machine, that allocation alone took a warm Caffeine hit from 14.4M to 7.0M ops/s; storing
 * the wrapper costs 24 bytes per entry once instead (with the write time the TTL is measured from, which
 * Caffeine's node no longer holds: the store has no expiry of its own). Identity equality on purpose: a conditional remove must take
 * this very entry, not a later equal value written under the same key.
 */
final class CachedValue implements ValueWrapper {

	private final Object value;

	/** When it was written, on the cache's clock; the cache compares it with its TTL on every hit. */
	final long written;

	CachedValue(Object value, long written) {
		this.value = value;
		this.written = written;
	}

	@Override
	public @Nullable Object get() {
		return this.value;
	}

	@Override
	public String toString() {
		return String.valueOf(this.value);
	}

}
