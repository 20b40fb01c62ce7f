package dev.nearcache.audit;

import org.jspecify.annotations.Nullable;

/**
 * How one cache is audited.
 *
 * @param sampleRate the share of hits re-checked against the source of truth, from 0 (off) to 1
 * @param action what to do with a confirmed mismatch
 * @param comparator the name of the {@link CacheValueComparator} bean for this cache's values, or {@code null}
 * for {@code equals} where the value class defines it and the application's comparator otherwise
 */
public record CacheAuditPolicy(double sampleRate, AuditAction action, @Nullable String comparator) {

	/** Not audited. */
	public static final CacheAuditPolicy OFF = new CacheAuditPolicy(0, AuditAction.REPORT, null);

	/** @return whether any hit is sampled */
	public boolean enabled() {
		return this.sampleRate > 0;
	}

}
