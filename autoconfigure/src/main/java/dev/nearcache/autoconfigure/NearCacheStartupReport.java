package dev.nearcache.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.env.Environment;

import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;
import dev.nearcache.invalidation.InvalidationStatistics;

/**
 * Logs once at startup what was configured, and warns about Spring Boot cache properties that nearcache does
 * not apply.
 */
class NearCacheStartupReport implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(NearCacheStartupReport.class);

	private final ObjectProvider<NearCacheManager> cacheManager;

	private final ObjectProvider<InvalidationStatistics> statistics;

	private final Environment environment;

	NearCacheStartupReport(ObjectProvider<NearCacheManager> cacheManager,
			ObjectProvider<InvalidationStatistics> statistics, Environment environment) {
		this.cacheManager = cacheManager;
		this.statistics = statistics;
		this.environment = environment;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.environment.containsProperty("spring.cache.caffeine.spec")) {
			logger.warn("nearcache: spring.cache.caffeine.spec is not applied to near caches; use "
					+ "nearcache.defaults.ttl and nearcache.defaults.maximum-size (or nearcache.caches.<name>.*)");
		}
		NearCacheManager manager = this.cacheManager.getIfAvailable();
		InvalidationStatistics channel = this.statistics.getIfAvailable();
		if (manager == null || channel == null || !logger.isInfoEnabled()) {
			return;
		}
		StringBuilder caches = new StringBuilder();
		manager.caches().forEach((cache) -> {
			NearCacheSettings settings = cache.getSettings();
			caches.append(caches.isEmpty() ? "" : ", ").append(settings.name()).append(' ').append(describe(settings));
		});
		NearCacheSettings defaults = manager.getDefaults();
		logger.info("nearcache: instance '" + channel.instanceId() + "', channel '" + channel.channel() + "', state "
				+ channel.state() + ", caches [" + caches + "]" + (manager.isDynamic()
						? ", others created on first use with " + describe(defaults) : ", no others (dynamic=false)"));
	}

	private static String describe(NearCacheSettings settings) {
		return "(ttl " + Durations.format(settings.ttl())
				+ (settings.allowNullValues() ? ", null-ttl " + Durations.format(settings.nullTtl()) : ", no nulls")
				+ ", max " + settings.maximumSize() + (settings.broadcast() ? "" : ", local") + ")";
	}

}
