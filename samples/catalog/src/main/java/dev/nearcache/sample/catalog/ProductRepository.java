package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;

public interface ProductRepository extends JpaRepository<Product, Long> {

	List<Product> findByCategoryOrderByName(String category);

	/**
	 * Set a product's price in one SQL statement, bypassing the entity (no version, no timestamp) — and the caches.
	 * @return the rows changed
	 */
	@Modifying
	@Query("update Product p set p.price = :price where p.id = :id")
	int updatePrice(@Param("id") long id, @Param("price") BigDecimal price);

}
