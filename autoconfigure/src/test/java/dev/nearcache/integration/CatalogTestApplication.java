package dev.nearcache.integration;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.resource.Delay;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

/**
 * A minimal application as a user would write it: standard Spring cache annotations over a "database" that
 * all instances of one test share (a map standing in for the rows).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
class CatalogTestApplication {

	/** The rows every instance of a test reads; set by the test before starting instances. */
	static volatile Map<Long, String> database = new ConcurrentHashMap<>();

	@Bean
	ProductService productService() {
		return new ProductService();
	}

	/** Lettuce backs off up to 30 s between reconnects; tests need recovery in a fraction of a second. */
	@Bean
	ClientResourcesBuilderCustomizer fastReconnect() {
		return (builder) -> builder.reconnectDelay(Delay.constant(Duration.ofMillis(100)));
	}

	static class ProductService {

		final AtomicInteger loads = new AtomicInteger();

		final AtomicInteger asyncLoads = new AtomicInteger();

		@Cacheable("products")
		public String find(Long id) {
			this.loads.incrementAndGet();
			return database.get(id);
		}

		@CachePut(cacheNames = "products", key = "#id")
		public String rename(Long id, String name) {
			database.put(id, name);
			return name;
		}

		@CacheEvict("products")
		public void delete(Long id) {
			database.remove(id);
		}

		@CacheEvict(cacheNames = "products", allEntries = true)
		public void deleteAll() {
			database.clear();
		}

		public int loads() {
			return this.loads.get();
		}

		public int asyncLoads() {
			return this.asyncLoads.get();
		}

		/** A load that is slow after reading the row: the window in which an invalidation can race it. */
		@Cacheable("slow")
		public String findSlowly(Long id) {
			return readThenPause(id);
		}

		@Cacheable(cacheNames = "slowSync", sync = true)
		public String findSlowlySync(Long id) {
			return readThenPause(id);
		}

		@Cacheable("slowAsync")
		public CompletableFuture<String> findSlowlyAsync(Long id) {
			return CompletableFuture.supplyAsync(() -> readThenPause(id));
		}

		@Cacheable(cacheNames = "slowAsyncSync", sync = true)
		public CompletableFuture<String> findSlowlyAsyncSync(Long id) {
			return CompletableFuture.supplyAsync(() -> readThenPause(id));
		}

		@Cacheable("slowMono")
		public reactor.core.publisher.Mono<String> findSlowlyMono(Long id) {
			return reactor.core.publisher.Mono.fromCallable(() -> readThenPause(id))
				.subscribeOn(reactor.core.scheduler.Schedulers.boundedElastic());
		}

		private static String readThenPause(Long id) {
			String value = database.get(id);
			java.util.concurrent.locks.LockSupport.parkNanos(
					java.util.concurrent.ThreadLocalRandom.current().nextLong(2_000_000));
			return value;
		}

		/** How long {@link #findAfterPause} takes; set by a test. */
		static volatile long pauseMillis;

		/** Calls of {@link #findAfterPause} that started loading. */
		static final AtomicInteger pausedLoads = new AtomicInteger();

		/** A {@code sync = true} load as slow as a slow database query: it holds Caffeine's lock on its key. */
		@Cacheable(cacheNames = "paused", sync = true)
		public String findAfterPause(Long id) {
			pausedLoads.incrementAndGet();
			String value = database.get(id);
			java.util.concurrent.locks.LockSupport.parkNanos(pauseMillis * 1_000_000);
			return value;
		}

		@Cacheable("async")
		public CompletableFuture<String> findAsync(Long id) {
			return CompletableFuture.supplyAsync(() -> {
				this.asyncLoads.incrementAndGet();
				return database.get(id);
			});
		}

	}

}
