package dev.nearcache.cache;

import java.time.Duration;

import org.springframework.util.Assert;

/**
 * Resolved settings of one near cache: what its entries cost in memory and how long they may live.
 *
 * @param name the cache name
 * @param ttl how long a value lives after it was written; the bound on staleness when an invalidation is lost
 * @param nullTtl how long a cached {@code null} ("not found") lives after it was written
 * @param maximumSize the maximum number of entries before Caffeine evicts by size
 * @param allowNullValues whether {@code null} results are cached
 * @param broadcast whether local invalidations are published to the other instances
 */
public record NearCacheSettings(String name, Duration ttl, Duration nullTtl, long maximumSize, boolean allowNullValues,
		boolean broadcast) {

	public NearCacheSettings {
		Assert.hasText(name, "Cache name must not be empty");
		Assert.isTrue(ttl.compareTo(Duration.ZERO) > 0, "ttl must be positive");
		Assert.isTrue(nullTtl.compareTo(Duration.ZERO) > 0, "nullTtl must be positive");
		Assert.isTrue(maximumSize >= 0, "maximumSize must not be negative");
	}

	/**
	 * Return these settings under another name, for caches created on first use from the defaults.
	 * @param otherName the name of the cache
	 * @return the settings for {@code otherName}
	 */
	public NearCacheSettings withName(String otherName) {
		return new NearCacheSettings(otherName, this.ttl, this.nullTtl, this.maximumSize, this.allowNullValues,
				this.broadcast);
	}

	/**
	 * Return these settings with another choice of caching {@code null} results.
	 * @param allowNull whether {@code null} results are cached
	 * @return the settings
	 */
	public NearCacheSettings withAllowNullValues(boolean allowNull) {
		return new NearCacheSettings(this.name, this.ttl, this.nullTtl, this.maximumSize, allowNull, this.broadcast);
	}

}
