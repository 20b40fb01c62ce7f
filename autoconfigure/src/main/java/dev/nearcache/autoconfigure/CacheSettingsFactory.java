package dev.nearcache.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import dev.nearcache.cache.NearCacheSettings;

/**
 * Turns {@code nearcache.defaults}, {@code nearcache.caches.*} and {@code spring.cache.cache-names} into
 * validated {@link NearCacheSettings}. A bad value fails startup with the property's name and the fix.
 */
final class CacheSettingsFactory {

	private static final String DEFAULTS_NAME = "default";

	private final NearCacheProperties properties;

	CacheSettingsFactory(NearCacheProperties properties) {
		this.properties = properties;
	}

	NearCacheSettings defaults() {
		NearCacheProperties.Defaults defaults = this.properties.getDefaults();
		return settings("nearcache.defaults", DEFAULTS_NAME, defaults.getTtl(), defaults.getNullTtl(),
				defaults.getMaximumSize(), defaults.isAllowNullValues(), defaults.isBroadcast());
	}

	/**
	 * @param springCacheNames the names of {@code spring.cache.cache-names}, created with the defaults
	 * @return the caches that exist from startup
	 */
	List<NearCacheSettings> configured(List<String> springCacheNames) {
		NearCacheSettings defaults = defaults();
		Map<String, NearCacheSettings> byName = new LinkedHashMap<>();
		springCacheNames.forEach((name) -> byName.put(name, defaults.withName(name)));
		this.properties.getCaches().forEach((name, spec) -> {
			String prefix = "nearcache.caches." + name;
			byName.put(name, settings(prefix, name, or(spec.getTtl(), defaults.ttl()),
					or(spec.getNullTtl(), defaults.nullTtl()), or(spec.getMaximumSize(), defaults.maximumSize()),
					or(spec.getAllowNullValues(), defaults.allowNullValues()),
					or(spec.getBroadcast(), defaults.broadcast())));
		});
		return new ArrayList<>(byName.values());
	}

	private static NearCacheSettings settings(String prefix, String name, Duration ttl, Duration nullTtl,
			long maximumSize, boolean allowNullValues, boolean broadcast) {
		requirePositive(prefix + ".ttl", ttl, "it bounds how long a lost invalidation can leave a stale value; "
				+ "use a positive duration such as 5m");
		if (!allowNullValues && (nullTtl.isZero() || nullTtl.isNegative())) {
			nullTtl = ttl; // unused when nulls are not cached
		}
		requirePositive(prefix + ".null-ttl", nullTtl, "use a positive duration such as 30s, or set "
				+ prefix + ".allow-null-values=false to not cache nulls");
		if (maximumSize < 0) {
			throw new InvalidConfigurationPropertyValueException(prefix + ".maximum-size", maximumSize,
					"Must not be negative; use 0 to disable caching or a positive entry count such as 10000");
		}
		return new NearCacheSettings(name, ttl, nullTtl, maximumSize, allowNullValues, broadcast);
	}

	private static void requirePositive(String property, Duration value, String fix) {
		if (value.isZero() || value.isNegative()) {
			throw new InvalidConfigurationPropertyValueException(property, value, "Must be positive: " + fix);
		}
	}

	private static <T> T or(@Nullable T value, T fallback) {
		return (value != null) ? value : fallback;
	}

}
