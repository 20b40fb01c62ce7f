package dev.nearcache.integration;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

/**
 * One application instance in a multi-instance test: its own Spring context, sharing only Redis (and the
 * test's "database") with the others.
 */
final class Instance implements AutoCloseable {

	final ConfigurableApplicationContext context;

	private Instance(ConfigurableApplicationContext context) {
		this.context = context;
	}

	static Instance start(int redisPort, String... properties) {
		return start(List.of(), redisPort, properties);
	}

	static Instance start(List<Class<?>> extraSources, int redisPort, String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redisPort, "spring.data.redis.timeout=2s",
				"spring.data.redis.connect-timeout=500ms", "spring.application.name=coherence-test",
				"nearcache.invalidation.max-retry-interval=200ms", "spring.main.banner-mode=off",
				"logging.level.dev.nearcache=INFO"));
		all.addAll(List.of(properties));
		List<Class<?>> sources = new ArrayList<>(List.of(CatalogTestApplication.class));
		sources.addAll(extraSources);
		return new Instance(new SpringApplicationBuilder(sources.toArray(Class<?>[]::new))
			.web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run());
	}

	/**
	 * Start an instance with an embedded web server on a free port, shutting down gracefully.
	 * @param redisPort the Redis port
	 * @param web more configuration (controllers)
	 * @param properties more properties
	 * @return the running instance
	 */
	static Instance startWeb(int redisPort, Class<?> web, String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redisPort, "spring.data.redis.timeout=2s",
				"spring.data.redis.connect-timeout=500ms", "spring.application.name=coherence-test",
				"nearcache.invalidation.max-retry-interval=200ms", "spring.main.banner-mode=off",
				"logging.level.dev.nearcache=INFO", "server.port=0", "server.address=127.0.0.1",
				"server.shutdown=graceful", "spring.lifecycle.timeout-per-shutdown-phase=30s",
				"spring.autoconfigure.exclude=" + WITHOUT_SECURITY));
		all.addAll(List.of(properties));
		return new Instance(new SpringApplicationBuilder(CatalogTestApplication.class, web)
			.web(WebApplicationType.SERVLET)
			.properties(all.toArray(String[]::new))
			.run());
	}

	/** Spring Security is on the test class path for the actuator's security tests only. */
	private static final String WITHOUT_SECURITY = String.join(",",
			"org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration");

	/** The port of the embedded web server. */
	int webPort() {
		return ((org.springframework.boot.web.server.context.WebServerApplicationContext) this.context).getWebServer()
			.getPort();
	}

	CatalogTestApplication.ProductService service() {
		return this.context.getBean(CatalogTestApplication.ProductService.class);
	}

	NearCacheManager cacheManager() {
		return this.context.getBean(NearCacheManager.class);
	}

	NearCache cache(String name) {
		return this.cacheManager().getCache(name);
	}

	boolean holds(String cacheName, Object key) {
		NearCache cache = this.cacheManager().findCache(cacheName);
		return cache != null && cache.getNativeCache().getIfPresent(key) != null;
	}

	NearCacheInvalidator invalidator() {
		return this.context.getBean(NearCacheInvalidator.class);
	}

	InvalidationStatistics statistics() {
		return this.context.getBean(InvalidationStatistics.class);
	}

	boolean subscribed() {
		return statistics().state() == TransportState.SUBSCRIBED;
	}

	@Override
	public void close() {
		this.context.close();
	}

}
