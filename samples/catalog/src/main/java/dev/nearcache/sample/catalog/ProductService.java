package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.cache.annotation.Cacheable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.nearcache.annotation.CacheInvalidate;

/**
 * Reads go through the near caches; writes invalidate the entries they change, here and on every other instance,
 * once their transaction has committed.
 * <p>
 * Two caches: {@code products} by id, and {@code productsByCategory}, the list of one category. A write invalidates
 * the product and the list of its category.
 * <p>
 * Why {@code @CacheInvalidate} rather than Spring's {@code @CachePut}/{@code @CacheEvict} on these
 * {@code @Transactional} methods: it waits for the commit (and drops the invalidation on a rollback). An
 * invalidation sent before the commit would let another instance reload the old row in the meantime and keep it
 * until its TTL. The writer does not cache the new value; the next read on any instance loads it.
 */
@Service
public class ProductService {

	private final ProductRepository repository;

	public ProductService(ProductRepository repository) {
		this.repository = repository;
	}

	/**
	 * Return a product, or {@code null} when there is none. The {@code null} is cached on purpose: repeated
	 * requests for an unknown id do not reach the database until {@code null-ttl} expires.
	 */
	@Cacheable(cacheNames = "products", key = "#id")
	@Transactional(readOnly = true)
	public Product find(long id) {
		return this.repository.findById(id).orElse(null);
	}

	@Cacheable(cacheNames = "productsByCategory", key = "#category")
	@Transactional(readOnly = true)
	public List<Product> findByCategory(String category) {
		return List.copyOf(this.repository.findByCategoryOrderByName(category));
	}

	/**
	 * Create a product. Its id may have a cached "not found" (someone asked for it before it existed), and its
	 * category's list lacks it: both are invalidated.
	 */
	@Transactional
	@CacheInvalidate(cacheNames = "products", key = "#result.id")
	@CacheInvalidate(cacheNames = "productsByCategory", key = "#category")
	public Product create(String name, String category, BigDecimal price) {
		return this.repository.save(new Product(name, category, price));
	}

	/**
	 * Update a product's name and price, or return {@code null} when there is none (then nothing changed and
	 * nothing is invalidated).
	 */
	@Transactional
	@CacheInvalidate(cacheNames = "products", key = "#id", unless = "#result == null")
	@CacheInvalidate(cacheNames = "productsByCategory", key = "#result.category", unless = "#result == null")
	public Product update(long id, String name, BigDecimal price) {
		Product product = this.repository.findById(id).orElse(null);
		if (product == null) {
			return null;
		}
		product.setName(name);
		product.setPrice(price);
		// Flushed now so that the returned product carries its new version and timestamp.
		return this.repository.saveAndFlush(product);
	}

	/**
	 * Delete a product.
	 * @return the deleted product, or {@code null} when there was none
	 */
	@Transactional
	@CacheInvalidate(cacheNames = "products", key = "#id", unless = "#result == null")
	@CacheInvalidate(cacheNames = "productsByCategory", key = "#result.category", unless = "#result == null")
	public Product delete(long id) {
		Product product = this.repository.findById(id).orElse(null);
		if (product != null) {
			this.repository.delete(product);
		}
		return product;
	}

}
