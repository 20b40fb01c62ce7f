package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.PreUpdate;
import jakarta.persistence.Version;

/**
 * A product of the catalog. Instances are cached as they are (Caffeine keeps references, nothing is
 * serialized): treat a product read from the service as read-only.
 */
@Entity
public class Product {

	@Id
	@GeneratedValue(strategy = GenerationType.IDENTITY)
	private Long id;

	@Column(nullable = false)
	private String name;

	@Column(nullable = false)
	private String category;

	@Column(nullable = false, precision = 12, scale = 2)
	private BigDecimal price;

	@Version
	private Long version;

	private Instant updatedAt;

	protected Product() {
	}

	public Product(String name, String category, BigDecimal price) {
		this.name = name;
		this.category = category;
		this.price = scaled(price);
	}

	@PrePersist
	@PreUpdate
	void touch() {
		this.updatedAt = Instant.now();
	}

	public Long getId() {
		return this.id;
	}

	public String getName() {
		return this.name;
	}

	public void setName(String name) {
		this.name = name;
	}

	public String getCategory() {
		return this.category;
	}

	public void setCategory(String category) {
		this.category = category;
	}

	public BigDecimal getPrice() {
		return this.price;
	}

	public void setPrice(BigDecimal price) {
		this.price = scaled(price);
	}

	public Long getVersion() {
		return this.version;
	}

	public Instant getUpdatedAt() {
		return this.updatedAt;
	}

	/** Two decimals, as the column stores them: a cached product then reads like one loaded from the database. */
	private static BigDecimal scaled(BigDecimal price) {
		return (price != null) ? price.setScale(2, RoundingMode.HALF_EVEN) : null;
	}

	@Override
	public String toString() {
		return "Product[id=" + this.id + ", name=" + this.name + ", category=" + this.category + ", price="
				+ this.price + ", version=" + this.version + "]";
	}

}
