package dev.nearcache.sample.catalog;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog starts and serves with its Redis unreachable (nothing listens on the configured port): reads and
 * writes work, readiness stays {@code UP}, and the {@code nearcache} health contributor says why it is
 * {@code DEGRADED}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:catalog-without-redis;DB_CLOSE_DELAY=-1")
class CatalogWithoutRedisTests {

	@LocalServerPort
	private int port;

	@DynamicPropertySource
	static void deadRedis(DynamicPropertyRegistry registry) throws IOException {
		int deadPort = TestRedis.freePort();
		registry.add("spring.data.redis.port", () -> deadPort);
	}

	@Test
	void servesReadsAndWritesAndStaysReady() {
		RestClient client = RestClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.defaultStatusHandler((status) -> true, (request, response) -> {
			})
			.build();

		assertThat(client.get().uri("/products/1").retrieve().toEntity(Map.class).getBody())
			.containsEntry("name", "Espresso cup");
		ResponseEntity<Map> updated = client.put()
			.uri("/products/1")
			.contentType(MediaType.APPLICATION_JSON)
			.body(Map.of("name", "Espresso cup (white)", "price", new BigDecimal("8.10")))
			.retrieve()
			.toEntity(Map.class);
		assertThat(updated.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(client.get().uri("/products/1").retrieve().toEntity(Map.class).getBody())
			.containsEntry("name", "Espresso cup (white)");

		ResponseEntity<Map> readiness = client.get().uri("/actuator/health/readiness").retrieve().toEntity(Map.class);
		assertThat(readiness.getStatusCode()).isEqualTo(HttpStatus.OK);
		assertThat(readiness.getBody()).containsEntry("status", "UP");
		Map<String, Object> nearcache = client.get().uri("/actuator/health/nearcache").retrieve().body(Map.class);
		assertThat(nearcache).containsEntry("status", "DEGRADED");
		assertThat((Map<String, Object>) nearcache.get("details")).containsEntry("state", "CONNECTING");

		// What the README says happens without Redis: not local-only, but degraded, every entry capped at 5 s.
		Map<String, Object> instance = client.get().uri("/actuator/nearcache").retrieve().body(Map.class);
		assertThat(instance).containsEntry("state", "CONNECTING").containsEntry("degradedMode", "SHORT_TTL");
		Map<String, Object> products = (Map<String, Object>) ((Map<String, Object>) instance.get("caches"))
			.get("products");
		assertThat(products).containsEntry("degradedMode", "SHORT_TTL");
	}

}
