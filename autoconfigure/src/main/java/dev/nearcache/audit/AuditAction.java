package dev.nearcache.audit;

/**
 * What the stale-read audit does with a confirmed mismatch. It never publishes anything: the audit is a detector,
 * not a writer.
 */
public enum AuditAction {

	/** Count it, keep its key for the actuator and log a WARN (at most once a minute per cache). */
	REPORT,

	/** As {@link #REPORT}, and evict the key on this instance only, so that the next read loads it afresh. */
	EVICT

}
