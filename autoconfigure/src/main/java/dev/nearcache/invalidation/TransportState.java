package dev.nearcache.invalidation;

/**
 * The state of this instance's invalidation channel.
 */
public enum TransportState {

	/** Invalidation is disabled or Redis is not configured: caches are local, the TTL bounds staleness. */
	LOCAL_ONLY,

	/**
	 * Not yet proven subscribed since startup (Redis unreachable so far, or the first heartbeat has not come
	 * back): caches run in the degraded mode, and subscribing is retried in the background.
	 */
	CONNECTING,

	/** Subscribed, and this instance's own heartbeats come back: invalidations from other instances are applied. */
	SUBSCRIBED,

	/**
	 * Was subscribed, but nothing (not even its own heartbeat) arrived within the heartbeat window: the
	 * subscription is recycled and caches run in the degraded mode until a heartbeat round trip succeeds.
	 */
	DEGRADED,

	/** The subscription was stopped (shutdown). */
	STOPPED

}
