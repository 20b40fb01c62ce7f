package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.Caching;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Reads go through the near caches; writes update this instance's cache and, through nearcache, invalidate the
 * entry on every other instance.
 * <p>
 * Two caches: {@code products} by id, and {@code productsByCategory}, cleared on every write because a write may
 * change any category's list.
 */
@Service
public class ProductService {

	private final ProductRepository repository;

	public ProductService(ProductRepository repository) {
		this.repository = repository;
	}

	/**
	 * Return a product, or {@code null} when there is none. The {@code null} is cached on purpose: repeated
	 * requests for an unknown id do not reach the database until {@code nearcache.defaults.null-ttl} expires.
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
	 * Create a product. Its id may have a cached "not found" (someone asked for it before it existed): the put
	 * replaces it here, and the other instances drop theirs.
	 */
	@Caching(put = @CachePut(cacheNames = "products", key = "#result.id"),
			evict = @CacheEvict(cacheNames = "productsByCategory", allEntries = true))
	@Transactional
	public Product create(String name, String category, BigDecimal price) {
		return this.repository.save(new Product(name, category, price));
	}

	/**
	 * Update a product's name and price, or return {@code null} when there is none.
	 */
	@Caching(put = @CachePut(cacheNames = "products", key = "#result.id", unless = "#result == null"),
			evict = @CacheEvict(cacheNames = "productsByCategory", allEntries = true))
	@Transactional
	public Product update(long id, String name, BigDecimal price) {
		Product product = this.repository.findById(id).orElse(null);
		if (product == null) {
			return null;
		}
		product.setName(name);
		product.setPrice(price);
		// Flushed now so that the returned (and cached) product carries its new version and timestamp.
		return this.repository.saveAndFlush(product);
	}

	/**
	 * Delete a product.
	 * @return whether there was one
	 */
	@Caching(evict = { @CacheEvict(cacheNames = "products", key = "#id"),
			@CacheEvict(cacheNames = "productsByCategory", allEntries = true) })
	@Transactional
	public boolean delete(long id) {
		if (!this.repository.existsById(id)) {
			return false;
		}
		this.repository.deleteById(id);
		return true;
	}

}
