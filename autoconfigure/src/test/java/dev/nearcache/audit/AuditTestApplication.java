package dev.nearcache.audit;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.resource.Delay;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

import dev.nearcache.annotation.CacheInvalidate;
import dev.nearcache.annotation.NoCacheAudit;

/**
 * An application with audited caches over a "database" that every instance of a test shares (a map standing in
 * for the rows): {@code find} reads it through the cache, {@code rename} is the annotated write path, and a test
 * changes the map directly for a write that bypasses nearcache.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
class AuditTestApplication {

	/** The rows every instance reads; replaced by each test. */
	static volatile Map<Long, String> database = new ConcurrentHashMap<>();

	/** While set, the slow method blocks until it is released: the audit's threads stay busy. */
	static volatile CountDownLatch slowGate = new CountDownLatch(0);

	@Bean
	Catalog catalog() {
		return new Catalog();
	}

	@Bean
	ClientResourcesBuilderCustomizer fastReconnect() {
		return (builder) -> builder.reconnectDelay(Delay.constant(Duration.ofMillis(100)));
	}

	static class Catalog {

		final AtomicInteger optedOutCalls = new AtomicInteger();

		@Cacheable("products")
		public String find(Long id) {
			return database.get(id);
		}

		@Cacheable(cacheNames = "evicting", key = "#id")
		public String findEvicting(Long id) {
			return database.get(id);
		}

		@Cacheable(cacheNames = "syncProducts", sync = true)
		public String findSync(Long id) {
			return database.get(id);
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void rename(Long id, String name) {
			database.put(id, name);
		}

		@Cacheable("optedOut")
		@NoCacheAudit
		public String findOptedOut(Long id) {
			this.optedOutCalls.incrementAndGet();
			return database.get(id);
		}

		public int optedOutCalls() {
			return this.optedOutCalls.get();
		}

		@Cacheable("notAudited")
		public String findNotAudited(Long id) {
			return database.get(id);
		}

		@Cacheable("slow")
		public String findSlowly(Long id) throws InterruptedException {
			slowGate.await(30, TimeUnit.SECONDS);
			return database.get(id);
		}

	}

}
