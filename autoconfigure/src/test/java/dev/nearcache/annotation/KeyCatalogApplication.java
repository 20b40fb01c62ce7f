package dev.nearcache.annotation;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.context.annotation.Bean;

/**
 * Read and write services whose keys must meet: every {@code @CacheInvalidate} form against the {@code @Cacheable}
 * that stored the entry. No transactions here; the rows are a map shared by the instances of a test.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
class KeyCatalogApplication {

	static final Map<Object, String> rows = new ConcurrentHashMap<>();

	@Bean
	Reads reads() {
		return new Reads();
	}

	@Bean
	Writes writes() {
		return new Writes();
	}

	@Bean
	InventoryService inventory() {
		return new InventoryService();
	}

	@Bean
	AuditLog auditLog() {
		return new AuditLog();
	}

	@Bean
	KeyGenerator stockKeyGenerator() {
		return new StockKeyGenerator();
	}

	record Product(Long id, String name) {
	}

	/** Keys like {@code SKU-1@north}: what a custom generator might build from the arguments. */
	static class StockKeyGenerator implements KeyGenerator {

		@Override
		public Object generate(Object target, Method method, @Nullable Object... params) {
			return String.valueOf(params[0]).toUpperCase() + "@" + params[1];
		}

	}

	static class Reads {

		@Cacheable("products")
		public @Nullable String product(Long id) {
			return rows.get(id);
		}

		@Cacheable("prices")
		public @Nullable String price(Long id, String region) {
			return rows.get(id + "/" + region);
		}

		@Cacheable(cacheNames = "stock", keyGenerator = "stockKeyGenerator")
		public @Nullable String stock(String sku, String warehouse) {
			return rows.get(sku + "@" + warehouse);
		}

	}

	static class Writes {

		/** Same parameters as {@link Reads#product}: the default key generator gives the same key. */
		@CacheInvalidate("products")
		public void discontinue(Long id) {
		}

		/** Different parameters: the default key is {@code SimpleKey(id, name)}, not {@code id}. */
		@CacheInvalidate("products")
		public void renameWithDefaultKey(Long id, String name) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#product.id")
		public void save(Product product) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#p0")
		public void saveById(Long id, String name) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#result.id")
		public Product create(String name) {
			return new Product(100L, name);
		}

		@CacheInvalidate("prices")
		public void reprice(Long id, String region) {
		}

		@CacheInvalidate(cacheNames = "prices", key = "new org.springframework.cache.interceptor.SimpleKey(#id, #region)")
		public void repriceExplicitly(String region, Long id) {
		}

		@CacheInvalidate(cacheNames = "stock", keyGenerator = "stockKeyGenerator")
		public void restock(String sku, String warehouse) {
		}

		@CacheInvalidate(cacheNames = "products", keys = "#ids")
		public void discontinueAll(List<Long> ids) {
		}

		@CacheInvalidate(cacheNames = "products", keys = "#products.![id]")
		public void saveAll(Product[] products) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id", condition = "#notify")
		public void touch(Long id, boolean notify) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id", unless = "!#result")
		public boolean update(Long id, boolean changed) {
			return changed;
		}

		@ProductWrite(id = "#id")
		public void archive(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		@CacheInvalidate(cacheNames = "prices", allEntries = true)
		public void delete(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void failingUpdate(Long id) {
			throw new IllegalStateException("update failed");
		}

		@CacheInvalidate(cacheNames = "products", key = "#id", beforeInvocation = true)
		public void failingDelete(Long id) {
			throw new IllegalStateException("delete failed");
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public CompletableFuture<String> updateAsync(Long id, CompletableFuture<String> outcome) {
			return outcome;
		}

		@CacheInvalidate(cacheNames = "products", key = "#result")
		public CompletableFuture<Long> createAsync(CompletableFuture<Long> outcome) {
			return outcome;
		}

		@CacheInvalidate(cacheNames = "products", key = "#result")
		public Mono<Long> updateReactive(Mono<Long> outcome) {
			return outcome;
		}

		@CacheInvalidate(cacheNames = "products", keys = "#ids")
		public Flux<Long> updateAllReactive(List<Long> ids) {
			return Flux.fromIterable(ids);
		}

		@CacheInvalidate(cacheNames = "products", key = "#unknown.id")
		public void brokenExpression(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void nullKey(@Nullable Long id) {
		}

		@CacheInvalidate(cacheNames = "products", keys = "#result")
		public Flux<Long> resultOfFlux() {
			return Flux.just(1L);
		}

	}

	/** Annotated on the interface only. */
	interface Inventory {

		@CacheInvalidate(cacheNames = "stock", allEntries = true)
		void recount();

	}

	static class InventoryService implements Inventory {

		@Override
		public void recount() {
		}

	}

	/** Annotated on the class: applies to every public method. */
	@CacheInvalidate(cacheNames = "products", key = "#id")
	static class AuditLog {

		public void corrected(Long id) {
		}

	}

}
