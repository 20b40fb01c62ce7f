package dev.nearcache.sample.catalog;

import java.math.BigDecimal;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The write path nobody annotated — on purpose. It stands for what every real application has somewhere: an admin
 * tool, a batch job, a migration that changes rows behind the cache. It updates prices with one SQL statement and no
 * {@code @CacheInvalidate}, so every instance keeps serving the old price until the TTL (10 minutes here).
 * <p>
 * nearcache's stale-read audit finds it: with {@code nearcache.caches.products.audit.sample-rate} above zero, a
 * sampled hit of {@code ProductService.find} is compared with the database, and the difference, still there after
 * the staleness bound, is reported with the cache name and the key ({@code demo.sh} shows it). The fix is one
 * annotation: {@code @CacheInvalidate(cacheNames = "products", key = "#id")} on {@link #reprice}.
 */
@Service
public class PriceAdministration {

	private final ProductRepository repository;

	public PriceAdministration(ProductRepository repository) {
		this.repository = repository;
	}

	/**
	 * Set a product's price.
	 * @return whether the product exists
	 */
	@Transactional
	public boolean reprice(long id, BigDecimal price) {
		return this.repository.updatePrice(id, price) > 0;
	}

}
