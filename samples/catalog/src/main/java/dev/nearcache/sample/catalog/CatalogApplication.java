package dev.nearcache.sample.catalog;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/**
 * A product catalog whose reads are served from nearcache.
 * <p>
 * {@code @EnableCaching} switches on Spring's {@code @Cacheable} for the reads. The writes use nearcache's
 * {@code @CacheInvalidate}, which needs nothing more: it invalidates after the transaction commits whatever the
 * order of the advisors (see {@link ProductService}).
 */
@SpringBootApplication
@EnableCaching
public class CatalogApplication {

	public static void main(String[] args) {
		SpringApplication.run(CatalogApplication.class, args);
	}

}
