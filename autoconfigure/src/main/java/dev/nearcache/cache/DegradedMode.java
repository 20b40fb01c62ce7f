package dev.nearcache.cache;

/**
 * What the caches do while this instance cannot be sure it receives every invalidation (Redis unreachable,
 * subscription lost or silently stalled). Each mode states its staleness bound.
 */
public enum DegradedMode {

	/**
	 * Clear the caches, then let entries live at most {@code nearcache.degraded.ttl}: staleness is bounded by
	 * that TTL while the cache still shields the database from a stampede. The default.
	 */
	SHORT_TTL,

	/** Clear the caches and cache nothing until invalidations are proven to flow again: never stale. */
	BYPASS,

	/** Keep caching with the normal TTL: staleness is bounded only by the TTL, for availability first. */
	SERVE_STALE

}
