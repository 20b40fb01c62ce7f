package dev.nearcache.sample.catalog;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.core.Ordered;

/**
 * A product catalog whose reads are served from nearcache.
 * <p>
 * Caching runs outside the transactions ({@code order} below that of Spring Boot's transaction advisor, which is
 * {@link Ordered#LOWEST_PRECEDENCE}): a {@code @CachePut} or {@code @CacheEvict} then takes effect, and is
 * broadcast to the other instances, only once the transaction has committed. Were it the other way round,
 * another instance could receive the invalidation, reload the row before the commit and cache the old value
 * until its TTL expires.
 */
@SpringBootApplication
@EnableCaching(order = 0)
public class CatalogApplication {

	public static void main(String[] args) {
		SpringApplication.run(CatalogApplication.class, args);
	}

}
