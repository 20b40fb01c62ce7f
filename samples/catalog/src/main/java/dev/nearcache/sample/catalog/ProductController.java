package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/products")
public class ProductController {

	private final ProductService service;

	public ProductController(ProductService service) {
		this.service = service;
	}

	@GetMapping("/{id}")
	public ResponseEntity<Product> get(@PathVariable long id) {
		return ResponseEntity.ofNullable(this.service.find(id));
	}

	@GetMapping(params = "category")
	public List<Product> byCategory(@RequestParam String category) {
		return this.service.findByCategory(category);
	}

	@PostMapping
	public ResponseEntity<Product> create(@RequestBody NewProduct body) {
		if (body.name() == null || body.category() == null || body.price() == null) {
			return ResponseEntity.badRequest().build();
		}
		Product product = this.service.create(body.name(), body.category(), body.price());
		return ResponseEntity.created(URI.create("/products/" + product.getId())).body(product);
	}

	@PutMapping("/{id}")
	public ResponseEntity<Product> update(@PathVariable long id, @RequestBody ProductChange body) {
		if (body.name() == null || body.price() == null) {
			return ResponseEntity.badRequest().build();
		}
		return ResponseEntity.ofNullable(this.service.update(id, body.name(), body.price()));
	}

	@DeleteMapping("/{id}")
	public ResponseEntity<Void> delete(@PathVariable long id) {
		return (this.service.delete(id) != null) ? ResponseEntity.noContent().build() : ResponseEntity.notFound().build();
	}

	/** Body of {@code POST /products}. */
	public record NewProduct(String name, String category, BigDecimal price) {
	}

	/** Body of {@code PUT /products/{id}}. */
	public record ProductChange(String name, BigDecimal price) {
	}

}
