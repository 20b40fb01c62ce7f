package dev.nearcache.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.cache.InvalidationPublisher;

/**
 * Local-only mode: invalidation is disabled or no Redis is configured. Caches work in this instance only and
 * their TTL bounds staleness.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(InvalidationPublisher.class)
class LocalOnlyInvalidationConfiguration {

	private static final Log logger = LogFactory.getLog(LocalOnlyInvalidationConfiguration.class);

	@Bean
	InvalidationPublisher nearCacheInvalidationPublisher(NearCacheProperties properties) {
		String consequence = "; each instance caches on its own and only the TTL ("
				+ Durations.format(properties.getDefaults().getTtl()) + " by default) bounds staleness";
		if (properties.getInvalidation().isEnabled()) {
			logger.warn("nearcache: running local-only because no Redis connection factory is configured (add "
					+ "spring-boot-starter-data-redis, or set nearcache.invalidation.enabled=false)" + consequence);
		}
		else {
			logger.info("nearcache: running local-only (nearcache.invalidation.enabled=false)" + consequence);
		}
		return InvalidationPublisher.NONE;
	}

}
