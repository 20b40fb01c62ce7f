package dev.nearcache.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import dev.nearcache.audit.CacheAuditPolicy;

/**
 * The audit policy of every cache, from {@code nearcache.caches.<name>.audit} over {@code nearcache.defaults.audit}.
 * A sample rate outside [0, 1] fails startup with the property's name.
 */
final class CacheAuditPolicies {

	private final CacheAuditPolicy defaults;

	private final Map<String, CacheAuditPolicy> byCache = new LinkedHashMap<>();

	CacheAuditPolicies(NearCacheProperties properties) {
		NearCacheProperties.AuditDefaults defaults = properties.getDefaults().getAudit();
		this.defaults = new CacheAuditPolicy(rate("nearcache.defaults.audit.sample-rate", defaults.getSampleRate()),
				defaults.getAction(), null);
		properties.getCaches().forEach((name, spec) -> {
			NearCacheProperties.CacheAudit audit = spec.getAudit();
			double rate = (audit.getSampleRate() != null)
					? rate("nearcache.caches." + name + ".audit.sample-rate", audit.getSampleRate())
					: this.defaults.sampleRate();
			this.byCache.put(name, new CacheAuditPolicy(rate,
					(audit.getAction() != null) ? audit.getAction() : this.defaults.action(), audit.getComparator()));
		});
	}

	CacheAuditPolicy policy(String cacheName) {
		return this.byCache.getOrDefault(cacheName, this.defaults);
	}

	CacheAuditPolicy defaults() {
		return this.defaults;
	}

	Map<String, CacheAuditPolicy> configured() {
		return this.byCache;
	}

	private static double rate(String property, double rate) {
		if (!(rate >= 0 && rate <= 1)) {
			throw new InvalidConfigurationPropertyValueException(property, rate,
					"Must be between 0 (no audit, the default) and 1 (every hit); e.g. 0.001 audits one hit in a thousand");
		}
		return rate;
	}

}
