package dev.nearcache.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.nearcache.actuate.NearCacheEndpoint;
import dev.nearcache.actuate.NearCacheEndpointArguments;
import dev.nearcache.actuate.NearCacheEndpointWebExtension;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;

/**
 * The {@code nearcache} actuator endpoint, when Spring Boot Actuator is present and the endpoint is available
 * (enabled and exposed, e.g. {@code management.endpoints.web.exposure.include=nearcache}).
 */
@AutoConfiguration(after = NearCacheAutoConfiguration.class)
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnAvailableEndpoint(NearCacheEndpoint.class)
@ConditionalOnBean({ NearCacheManager.class, InvalidationStatistics.class })
public final class NearCacheEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	NearCacheEndpoint nearCacheEndpoint(NearCacheManager cacheManager, InvalidationStatistics statistics) {
		return new NearCacheEndpoint(cacheManager, statistics);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(NearCacheEndpoint.class)
	@ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
	NearCacheEndpointWebExtension nearCacheEndpointWebExtension(NearCacheEndpoint endpoint,
			NearCacheManager cacheManager) {
		return new NearCacheEndpointWebExtension(endpoint, cacheManager);
	}

	@Bean
	@ConditionalOnMissingBean
	NearCacheEndpointArguments nearCacheEndpointArguments() {
		return new NearCacheEndpointArguments();
	}

}
