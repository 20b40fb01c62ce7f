package dev.nearcache.autoconfigure;

import java.util.List;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.CaffeineSpec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
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

	private final ListableBeanFactory beanFactory;

	NearCacheStartupReport(ObjectProvider<NearCacheManager> cacheManager,
			ObjectProvider<InvalidationStatistics> statistics, Environment environment,
			ListableBeanFactory beanFactory) {
		this.cacheManager = cacheManager;
		this.statistics = statistics;
		this.environment = environment;
		this.beanFactory = beanFactory;
	}

	@Override
	public void afterSingletonsInstantiated() {
		NearCacheManager manager = this.cacheManager.getIfAvailable();
		if (manager != null) {
			warnAboutIgnoredCaffeineConfiguration();
		}
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

	/**
	 * Spring Boot's Caffeine cache manager takes its builder from {@code spring.cache.caffeine.spec}, a
	 * {@code CaffeineSpec} bean or a {@code Caffeine} bean; nearcache takes none of them, because each could set
	 * an expiry that defeats the TTL, and says so rather than ignoring them silently. Not a startup failure: such a
	 * bean may exist for the application's own caches outside Spring's cache abstraction.
	 */
	private void warnAboutIgnoredCaffeineConfiguration() {
		String instead = " is not applied to near caches: set nearcache.defaults.* or nearcache.caches.<name>.* "
				+ "(ttl, maximum-size), and declare a NearCacheCaffeineCustomizer bean for a weigher, an executor, "
				+ "a removal listener or an initial capacity";
		if (this.environment.containsProperty("spring.cache.caffeine.spec")) {
			logger.warn("nearcache: spring.cache.caffeine.spec" + instead);
		}
		for (Class<?> type : List.of(Caffeine.class, CaffeineSpec.class)) {
			for (String name : this.beanFactory.getBeanNamesForType(type, true, false)) {
				logger.warn("nearcache: the " + type.getSimpleName() + " bean '" + name + "'" + instead);
			}
		}
	}

	private static String describe(NearCacheSettings settings) {
		return "(ttl " + Durations.format(settings.ttl())
				+ (settings.allowNullValues() ? ", null-ttl " + Durations.format(settings.nullTtl()) : ", no nulls")
				+ ", max " + settings.maximumSize() + (settings.broadcast() ? "" : ", local") + ")";
	}

}
