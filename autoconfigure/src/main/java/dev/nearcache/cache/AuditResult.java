package dev.nearcache.cache;

import java.util.Locale;

/**
 * What became of one sampled hit of the stale-read audit.
 */
public enum AuditResult {

	/** The source of truth returned what the cache held. */
	MATCH,

	/**
	 * A confirmed stale read: the source of truth returned something else, and a staleness bound later the same
	 * entry was still cached with no invalidation of its key received in between.
	 */
	MISMATCH,

	/**
	 * The source of truth returned something else, but an invalidation or clear took the entry away within the
	 * staleness bound: a write whose invalidation was in flight, as designed. Not a stale read.
	 */
	UNCONFIRMED,

	/**
	 * The sample was not audited: the audit's executor was full, the cache degraded, the entry gone before it
	 * could be audited, the arguments changed, or the call cannot be repeated outside its request.
	 */
	SKIPPED,

	/** Re-invoking the method or comparing the values failed. */
	ERROR;

	/** @return the value of the meter's {@code result} tag: the name in lower case */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
