package dev.nearcache.invalidation;

/**
 * Why a received message was not applied. Each reason is counted, and logged at most once a minute.
 */
public enum DropReason {

	/** Larger than {@code nearcache.invalidation.max-message-size}; not parsed at all. */
	OVERSIZED("oversized"),

	/** Not a JSON object, or JSON the parser refused (syntax, nesting, duplicate fields). */
	MALFORMED("malformed"),

	/** A required field is absent: {@code v}, {@code type}, or {@code cache}/{@code keys} of an invalidate. */
	MISSING_FIELD("missing-field"),

	/** A field has the wrong type or value, e.g. a key that is not a string or a negative {@code seq}. */
	INVALID_FIELD("invalid-field"),

	/** {@code v} is higher than this instance understands. */
	UNSUPPORTED_VERSION("unsupported-version"),

	/** {@code type} is not one this protocol version defines. */
	UNKNOWN_TYPE("unknown-type"),

	/**
	 * Not a {@code signed} envelope while signing is on ({@code nearcache.security.signing.secret}) and unsigned
	 * messages are not accepted.
	 */
	UNSIGNED("unsigned"),

	/** A {@code signed} envelope whose signature no configured secret produced. */
	BAD_SIGNATURE("bad-signature"),

	/**
	 * A signed message whose {@code ts} is further from this instance's clock than
	 * {@code nearcache.security.signing.max-age}: replayed, or sent by a host with a wrong clock.
	 */
	EXPIRED("expired"),

	/**
	 * Received faster than it could be applied; the receive queue was full. Every cache is cleared afterwards,
	 * since the dropped message may have been an invalidation.
	 */
	BACKLOG("backlog"),

	/** Applying it failed unexpectedly. */
	ERROR("error");

	private final String tag;

	DropReason(String tag) {
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
