package dev.nearcache.sample.catalog;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;
import org.springframework.web.client.RestClient;

import dev.nearcache.sample.catalog.SharedDatabaseConfiguration.SharedDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Runs the catalog without Redis: {@code nearcache.invalidation.enabled=false} makes every cache local-only,
 * which is all a single-instance test needs. The database is the default shared one (an H2 TCP server this
 * instance hosts), on a free port.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "nearcache.invalidation.enabled=false")
class CatalogApplicationTests {

	@LocalServerPort
	private int port;

	@Autowired
	private CacheManager cacheManager;

	@Autowired
	private SharedDatabase database;

	@MockitoSpyBean
	private ProductRepository repository;

	private RestClient client;

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) throws IOException {
		int port = TestRedis.freePort();
		registry.add("spring.datasource.url",
				() -> "jdbc:h2:tcp://localhost:" + port + "/mem:catalog-tests;DB_CLOSE_DELAY=-1");
	}

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
	void databaseIsHostedByTheFirstInstance() {
		assertThat(this.database.hosting()).isTrue();
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
	void updateInvalidatesTheProductAndItsCategoryAndIsReadBack() {
		assertThat(get(2).getBody()).containsEntry("name", "French press");
		assertThat(this.client.get().uri("/products?category=kitchen").retrieve().toEntity(List.class).getBody())
			.hasSize(3);
		assertThat(this.cacheManager.getCache("productsByCategory").get("kitchen")).isNotNull();

		ResponseEntity<Map> updated = this.client.put()
			.uri("/products/{id}", 2)
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("name", "French press XL", "price", new BigDecimal("34.90")))
			.retrieve()
			.toEntity(Map.class);
		assertThat(updated.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(products().get(2L)).isNull();
		assertThat(this.cacheManager.getCache("productsByCategory").get("kitchen")).isNull();

		ResponseEntity<Map> read = get(2);
		assertThat(read.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(read.getBody()).containsEntry("name", "French press XL").containsEntry("price", 34.90);
		// The first read, the update, and the read after it: @CacheInvalidate evicts, the next read loads.
		verify(this.repository, times(3)).findById(2L);
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
		assertThat(this.client.delete().uri("/products/{id}", nextId).retrieve().toBodilessEntity().getStatusCode())
			.isEqualTo(HttpStatus.NOT_FOUND);
	}

	@Test
	void actuatorReadsAreOpen() {
		assertThat(this.client.get().uri("/actuator/nearcache").retrieve().toEntity(Map.class).getBody())
			.containsEntry("state", "LOCAL_ONLY");
		assertThat(status("GET", "/actuator/nearcache/products", null)).isEqualTo(HttpStatus.OK);
		assertThat(status("GET", "/actuator/caches", null)).isEqualTo(HttpStatus.OK);
	}

	@Test
	void nearcacheMetersCanBeSeenAsTheOperationsGuideShows() {
		get(1);
		get(1);
		ResponseEntity<Map> gets = this.client.get()
			.uri("/actuator/metrics/cache.gets?tag=cache:products&tag=result:hit")
			.retrieve()
			.toEntity(Map.class);
		assertThat(gets.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(this.client.get().uri("/actuator/metrics").retrieve().body(String.class))
			.contains("\"nearcache.channel.state\"", "\"nearcache.invalidations\"", "\"cache.gets\"");
		String prometheus = this.client.get().uri("/actuator/prometheus").retrieve().body(String.class);
		assertThat(prometheus).contains("nearcache_channel_state{", "state=\"LOCAL_ONLY\"")
			.contains("cache_gets_total{").contains("cache=\"products\"");
	}

	@Test
	void actuatorWritesNeedTheOpsUser() {
		get(1);
		assertThat(status("POST", "/actuator/nearcache/products", null)).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(status("POST", "/actuator/nearcache/products", "ops:wrong")).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(status("DELETE", "/actuator/nearcache", null)).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(status("DELETE", "/actuator/caches", null)).isEqualTo(HttpStatus.UNAUTHORIZED);
		assertThat(products().get(1L)).isNotNull();

		assertThat(status("POST", "/actuator/nearcache/products", "ops:ops")).isEqualTo(HttpStatus.OK);
		assertThat(products().get(1L)).isNull();
		assertThat(status("DELETE", "/actuator/nearcache", "ops:ops")).isEqualTo(HttpStatus.OK);
	}

	@Test
	void readinessGroupContainsNearcache() {
		ResponseEntity<Map> readiness = this.client.get().uri("/actuator/health/readiness").retrieve().toEntity(Map.class);

		assertThat(readiness.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(readiness.getBody()).containsEntry("status", "UP");
		assertThat((Map<String, Object>) readiness.getBody().get("components")).containsKeys("nearcache",
				"readinessState");
	}

	private HttpStatus status(String method, String uri, String credentials) {
		RestClient.RequestBodySpec request = this.client.method(HttpMethod.valueOf(method)).uri(uri).headers((headers) -> {
			if (credentials != null) {
				String[] user = credentials.split(":");
				headers.setBasicAuth(user[0], user[1]);
			}
		});
		if (method.equals("POST")) {
			request.contentType(MediaType.APPLICATION_JSON).body("{\"key\":\"1\"}");
		}
		return HttpStatus.valueOf(request.retrieve().toBodilessEntity().getStatusCode().value());
	}

	private ResponseEntity<Map> get(long id) {
		return this.client.get().uri("/products/{id}", id).retrieve().toEntity(Map.class);
	}

	private Cache products() {
		return this.cacheManager.getCache("products");
	}

}
