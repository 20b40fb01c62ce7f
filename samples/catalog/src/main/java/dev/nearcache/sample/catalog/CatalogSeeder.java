package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Seeds a handful of products when the catalog is empty, so that a restart against a persistent database
 * (PostgreSQL) does not add them again.
 * <p>
 * Runs before the web server accepts requests (not as an {@code ApplicationRunner}, which runs after): a
 * request arriving before the seed would find no product and cache that "not found" for
 * {@code nearcache.defaults.null-ttl}.
 */
@Component
class CatalogSeeder implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(CatalogSeeder.class);

	private final ProductRepository repository;

	CatalogSeeder(ProductRepository repository) {
		this.repository = repository;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.repository.count() > 0) {
			return;
		}
		List<Product> products = this.repository.saveAll(List.of(
				new Product("Espresso cup", "kitchen", new BigDecimal("7.50")),
				new Product("French press", "kitchen", new BigDecimal("29.90")),
				new Product("Chef's knife", "kitchen", new BigDecimal("64.00")),
				new Product("Desk lamp", "office", new BigDecimal("39.95")),
				new Product("Notebook A5", "office", new BigDecimal("4.20"))));
		logger.info("Seeded " + products.size() + " products, ids " + products.get(0).getId() + ".."
				+ products.get(products.size() - 1).getId());
	}

}
