package dev.nearcache.invalidation;

/**
 * Why this instance cleared its broadcasting caches on its own: invalidations may have been missed.
 */
public enum FlushReason {

	/** The channel subscription was lost and re-established; messages published meanwhile are gone. */
	RECONNECT("reconnect"),

	/** The receive queue overflowed and messages were dropped. */
	BACKLOG("backlog"),

	/** A sender's sequence number jumped: messages from it were lost. */
	GAP("gap"),

	/** Entering the degraded mode (short-ttl or bypass): nothing cached before can be trusted. */
	DEGRADED("degraded"),

	/** Leaving the degraded mode: what was cached while degraded may have missed invalidations. */
	RECOVERED("recovered");

	private final String tag;

	FlushReason(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the name used in metrics, logs and the actuator endpoint.
	 * @return the tag value
	 */
	public String tag() {
		return this.tag;
	}

}
