package dev.nearcache.audit;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.nearcache.cache.AuditResult;
import dev.nearcache.cache.AuditStatistics;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

/**
 * One instance of {@link AuditTestApplication}: its own Spring context, sharing only Redis and the test's "database"
 * with the others. Every cache but {@code notAudited} is audited at a sample rate of 1.
 */
final class AuditInstance implements AutoCloseable {

	final ConfigurableApplicationContext context;

	private AuditInstance(ConfigurableApplicationContext context) {
		this.context = context;
	}

	static AuditInstance start(int redisPort, String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redisPort, "spring.data.redis.timeout=2s",
				"spring.data.redis.connect-timeout=500ms", "spring.application.name=audit-test",
				"spring.main.banner-mode=off", "nearcache.caches.products.audit.sample-rate=1",
				"nearcache.caches.syncProducts.audit.sample-rate=1", "nearcache.caches.optedOut.audit.sample-rate=1",
				"nearcache.caches.slow.audit.sample-rate=1", "nearcache.caches.evicting.audit.sample-rate=1",
				"nearcache.caches.evicting.audit.action=evict", "nearcache.caches.notAudited.ttl=5m",
				"nearcache.audit.confirm-after=1s"));
		all.addAll(List.of(properties));
		return new AuditInstance(new SpringApplicationBuilder(AuditTestApplication.class)
			.web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run());
	}

	AuditTestApplication.Catalog catalog() {
		return this.context.getBean(AuditTestApplication.Catalog.class);
	}

	NearCache cache(String name) {
		return this.context.getBean(NearCacheManager.class).getCache(name);
	}

	AuditStatistics audit(String cache) {
		return cache(cache).getStatistics().audit();
	}

	long samples(String cache, AuditResult result) {
		return audit(cache).samples(result);
	}

	long samples(String cache) {
		long total = 0;
		for (AuditResult result : AuditResult.values()) {
			total += samples(cache, result);
		}
		return total;
	}

	boolean holds(String cache, Object key) {
		return cache(cache).getNativeCache().getIfPresent(key) != null;
	}

	boolean auditIdle() {
		return !this.context.getBean(StaleReadAuditor.class).busy();
	}

	boolean subscribed() {
		return this.context.getBean(InvalidationStatistics.class).state() == TransportState.SUBSCRIBED;
	}

	@Override
	public void close() {
		this.context.close();
	}

}
