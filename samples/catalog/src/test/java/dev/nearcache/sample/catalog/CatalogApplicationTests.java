package dev.nearcache.sample.catalog;

import java.math.BigDecimal;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Runs the catalog without Redis: {@code nearcache.invalidation.enabled=false} makes every cache local-only,
 * which is all a single-instance test needs.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "nearcache.invalidation.enabled=false")
class CatalogApplicationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private CacheManager cacheManager;

	@MockitoSpyBean
	private ProductRepository repository;

	private RestClient client;

	@BeforeEach
	void setUp() {
		this.client = RestClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.defaultStatusHandler((status) -> true, (request, response) -> {
				// Let the tests assert on 4xx and 5xx statuses.
			})
			.build();
		this.cacheManager.getCacheNames().forEach((name) -> this.cacheManager.getCache(name).clear());
		clearInvocations(this.repository);
	}

	@Test
	void secondReadIsServedFromTheCache() {
		ResponseEntity<Map> first = get(1);
		ResponseEntity<Map> second = get(1);

		assertThat(first.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(first.getBody()).containsEntry("name", "Espresso cup");
		assertThat(second.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(second.getBody()).isEqualTo(first.getBody());
		verify(this.repository, times(1)).findById(1L);
		assertThat(products().get(1L)).isNotNull();
	}

	@Test
	void updateIsReadBack() {
		assertThat(get(2).getBody()).containsEntry("name", "French press");

		ResponseEntity<Map> updated = this.client.put()
			.uri("/products/{id}", 2)
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("name", "French press XL", "price", new BigDecimal("34.90")))
			.retrieve()
			.toEntity(Map.class);
		assertThat(updated.getStatusCode()).isEqualTo(HttpStatus.OK);

		ResponseEntity<Map> read = get(2);
		assertThat(read.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(read.getBody()).containsEntry("name", "French press XL").containsEntry("price", 34.90);
		// Once by the first read, once by the update; the read after the update is the cached result of the update.
		verify(this.repository, times(2)).findById(2L);
	}

	@Test
	void unknownProductIsNotFoundAndTheMissIsCached() {
		assertThat(get(9999).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
		assertThat(get(9999).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

		verify(this.repository, times(1)).findById(9999L);
		Cache.ValueWrapper cached = products().get(9999L);
		assertThat(cached).isNotNull();
		assertThat(cached.get()).isNull();
	}

	@Test
	void createdProductReplacesACachedNotFound() {
		long nextId = this.repository.findAll().stream().mapToLong(Product::getId).max().orElse(0) + 1;
		assertThat(get(nextId).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);

		ResponseEntity<Map> created = this.client.post()
			.uri("/products")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("name", "Mug", "category", "kitchen", "price", new BigDecimal("9.00")))
			.retrieve()
			.toEntity(Map.class);
		assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
		assertThat(((Number) created.getBody().get("id")).longValue()).isEqualTo(nextId);

		assertThat(get(nextId).getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(this.client.delete().uri("/products/{id}", nextId).retrieve().toBodilessEntity().getStatusCode())
			.isEqualTo(HttpStatus.NO_CONTENT);
		assertThat(get(nextId).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
	}

	private ResponseEntity<Map> get(long id) {
		return this.client.get().uri("/products/{id}", id).retrieve().toEntity(Map.class);
	}

	private Cache products() {
		return this.cacheManager.getCache("products");
	}

}
