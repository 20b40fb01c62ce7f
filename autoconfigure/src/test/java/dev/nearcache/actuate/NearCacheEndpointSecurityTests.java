package dev.nearcache.actuate;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatchers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Spring Security configuration that {@code docs/operations.md} recommends, over real HTTP: reads need the
 * {@code ACTUATOR} role, evictions {@code ACTUATOR_ADMIN}, health is open. Local-only: no Redis needed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NearCacheEndpointSecurityTests {

	private final HttpClient http = HttpClient.newHttpClient();

	private ConfigurableApplicationContext context;

	private String baseUrl;

	@BeforeAll
	void start() {
		this.context = new SpringApplicationBuilder(SecuredApplication.class, ActuatorSecurityConfiguration.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"nearcache.invalidation.enabled=false", "nearcache.caches.products.ttl=1m",
					"management.endpoints.web.exposure.include=health,nearcache")
			.run();
		this.baseUrl = "http://127.0.0.1:" + ((WebServerApplicationContext) this.context).getWebServer().getPort();
	}

	@AfterAll
	void stop() {
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void anonymousCallersReachHealthOnly() throws Exception {
		assertThat(send("GET", "/actuator/health", null, null)).isEqualTo(200);
		assertThat(send("GET", "/actuator/nearcache", null, null)).isEqualTo(401);
		assertThat(send("POST", "/actuator/nearcache/products", null, "{\"key\":\"1\"}")).isEqualTo(401);
		assertThat(send("DELETE", "/actuator/nearcache", null, null)).isEqualTo(401);
	}

	@Test
	void viewersReadButCannotEvict() throws Exception {
		assertThat(send("GET", "/actuator/nearcache", "viewer", null)).isEqualTo(200);
		assertThat(send("GET", "/actuator/nearcache/products", "viewer", null)).isEqualTo(200);
		assertThat(send("POST", "/actuator/nearcache/products", "viewer", "{\"key\":\"1\"}")).isEqualTo(403);
		assertThat(send("DELETE", "/actuator/nearcache", "viewer", null)).isEqualTo(403);
	}

	@Test
	void adminsEvict() throws Exception {
		assertThat(send("POST", "/actuator/nearcache/products", "ops", "{\"key\":\"1\"}")).isEqualTo(200);
		assertThat(send("POST", "/actuator/nearcache/products", "ops", "{\"all\":true}")).isEqualTo(200);
		assertThat(send("DELETE", "/actuator/nearcache", "ops", null)).isEqualTo(200);
	}

	private int send(String method, String path, @Nullable String user, @Nullable String body)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
					: HttpRequest.BodyPublishers.noBody())
			.header("Content-Type", "application/json");
		if (user != null) {
			String credentials = user + ":secret";
			request.header("Authorization",
					"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableCaching
	static class SecuredApplication {

		@Bean
		InMemoryUserDetailsManager users() {
			return new InMemoryUserDetailsManager(
					User.withUsername("viewer").password("{noop}secret").roles("ACTUATOR").build(),
					User.withUsername("ops").password("{noop}secret").roles("ACTUATOR", "ACTUATOR_ADMIN").build());
		}

	}

	/** As in {@code docs/operations.md}, "Protecting the write operations". */
	@Configuration(proxyBeanMethods = false)
	static class ActuatorSecurityConfiguration {

		@Bean
		SecurityFilterChain actuatorSecurity(HttpSecurity http) throws Exception {
			RequestMatcher nearcache = EndpointRequest.to(NearCacheEndpoint.class);
			RequestMatcher nearcacheReads = RequestMatchers.allOf(nearcache,
					(request) -> HttpMethod.GET.matches(request.getMethod()));
			http.securityMatcher(EndpointRequest.toAnyEndpoint())
				.authorizeHttpRequests((requests) -> requests.requestMatchers(EndpointRequest.to("health"))
					.permitAll()
					.requestMatchers(nearcacheReads)
					.hasRole("ACTUATOR")
					.requestMatchers(nearcache)
					.hasRole("ACTUATOR_ADMIN")
					.anyRequest()
					.hasRole("ACTUATOR"))
				.httpBasic(Customizer.withDefaults())
				.csrf((csrf) -> csrf.ignoringRequestMatchers(EndpointRequest.toAnyEndpoint()));
			return http.build();
		}

	}

}
