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
	 * The sample was not audited: the audit's budget was spent (threads busy and queue full, or calls per second),
	 * the cache was degraded, the arguments changed after the call, the call could not be repeated outside its
	 * request or security context, or it was not made through a Spring proxy. (A hit whose entry is gone by the time
	 * it is sampled is not counted at all.)
	 */
	SKIPPED,

	/** Re-invoking the method or comparing the values failed. */
	ERROR;

	/** @return the value of the meter's {@code result} tag: the name in lower case */
	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}
