package dev.nearcache.sample.catalog;

import java.math.BigDecimal;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code PUT /admin/products/{id}/price}: the hidden write path of {@link PriceAdministration}, which changes the
 * database without invalidating the caches.
 */
@RestController
@RequestMapping("/admin/products")
public class AdminController {

	private final PriceAdministration administration;

	public AdminController(PriceAdministration administration) {
		this.administration = administration;
	}

	@PutMapping("/{id}/price")
	public ResponseEntity<Void> reprice(@PathVariable long id, @RequestBody NewPrice body) {
		if (body.price() == null) {
			return ResponseEntity.badRequest().build();
		}
		return this.administration.reprice(id, body.price()) ? ResponseEntity.noContent().build()
				: ResponseEntity.notFound().build();
	}

	/** Body of {@code PUT /admin/products/{id}/price}. */
	public record NewPrice(BigDecimal price) {
	}

}
