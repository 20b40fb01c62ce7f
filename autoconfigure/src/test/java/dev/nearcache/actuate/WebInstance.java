package dev.nearcache.actuate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

/**
 * One instance of {@link ActuatorTestApplication} on a random port, and an HTTP client for its actuator.
 */
final class WebInstance implements AutoCloseable {

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static final JsonMapper json = JsonMapper.builder().build();

	/** Spring Security is on the test class path for {@link NearCacheEndpointSecurityTests} only. */
	private static final String WITHOUT_SECURITY = String.join(",",
			"org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration");

	final ConfigurableApplicationContext context;

	private final String baseUrl;

	private WebInstance(ConfigurableApplicationContext context) {
		this.context = context;
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		this.baseUrl = "http://127.0.0.1:" + port;
	}

	/**
	 * Start an instance on a Redis.
	 * @param redisPort the Redis port
	 * @param properties more properties
	 * @return the running instance
	 */
	static WebInstance start(int redisPort, String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.application.name=actuator-test", "spring.main.banner-mode=off",
				"management.endpoints.web.exposure.include=nearcache,health,caches",
				"management.endpoint.health.show-details=always", "spring.web.error.include-message=always",
				"nearcache.caches.products.ttl=10m", "nearcache.invalidation.max-retry-interval=200ms",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.timeout=2s",
				"spring.data.redis.connect-timeout=500ms", "spring.data.redis.port=" + redisPort,
				"spring.autoconfigure.exclude=" + WITHOUT_SECURITY));
		all.addAll(List.of(properties));
		return new WebInstance(new SpringApplicationBuilder(ActuatorTestApplication.class)
			.web(WebApplicationType.SERVLET)
			.properties(all.toArray(String[]::new))
			.run());
	}

	ActuatorTestApplication.ProductService service() {
		return this.context.getBean(ActuatorTestApplication.ProductService.class);
	}

	NearCacheManager cacheManager() {
		return this.context.getBean(NearCacheManager.class);
	}

	NearCache cache(String name) {
		return cacheManager().getCache(name);
	}

	boolean holds(String cacheName, Object key) {
		NearCache cache = cacheManager().findCache(cacheName);
		return cache != null && cache.getNativeCache().getIfPresent(key) != null;
	}

	InvalidationStatistics statistics() {
		return this.context.getBean(InvalidationStatistics.class);
	}

	boolean subscribed() {
		return statistics().state() == TransportState.SUBSCRIBED;
	}

	Response get(String path) {
		return send(HttpRequest.newBuilder(uri(path)).GET());
	}

	Response post(String path, String body) {
		return send(HttpRequest.newBuilder(uri(path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	Response delete(String path) {
		return send(HttpRequest.newBuilder(uri(path)).DELETE());
	}

	private URI uri(String path) {
		return URI.create(this.baseUrl + path);
	}

	private static Response send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
					HttpResponse.BodyHandlers.ofString());
			String body = response.body();
			return new Response(response.statusCode(), body,
					(body == null || body.isBlank()) ? json.nullNode() : json.readTree(body));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.context.close();
	}

	/**
	 * An HTTP response.
	 *
	 * @param status the status code
	 * @param text the body
	 * @param json the body parsed ({@code NullNode} when empty)
	 */
	record Response(int status, String text, JsonNode json) {
	}

}
