package dev.nearcache.invalidation;

/**
 * The state of this instance's invalidation channel.
 */
public enum TransportState {

	/** Invalidation is disabled or Redis is not configured: caches are local, the TTL bounds staleness. */
	LOCAL_ONLY,

	/** Not subscribed yet (Redis unreachable so far): caches work locally, retrying in the background. */
	CONNECTING,

	/** Subscribed to the channel: invalidations from other instances are applied. */
	SUBSCRIBED,

	/** The subscription was stopped (shutdown). */
	STOPPED

}
