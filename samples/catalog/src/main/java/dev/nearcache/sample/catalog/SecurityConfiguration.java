package dev.nearcache.sample.catalog;

import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may do what.
 * <ul>
 * <li>Actuator reads ({@code GET}: health, info, caches, the {@code nearcache} statistics) are open, so that a
 * curl or a dashboard sees them without credentials.</li>
 * <li>Actuator writes need the {@code ACTUATOR_ADMIN} role over HTTP Basic: {@code POST}/{@code DELETE
 * /actuator/nearcache} evict on every instance and {@code DELETE /actuator/caches} clears the caches; whoever can
 * call them can move the catalog's whole read load onto the database. The demo user is {@code ops}/{@code ops},
 * from {@code spring.security.user.*} in {@code application.yml}.</li>
 * <li>The catalog API itself is open: this sample is about caching, not about securing an API.</li>
 * </ul>
 * In production, require a role for the reads too, or serve the actuator on a port of its own
 * ({@code management.server.port}); {@code docs/operations.md} shows a read/evict split with two roles.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	@Order(1)
	SecurityFilterChain actuatorSecurity(HttpSecurity http) throws Exception {
		http.securityMatcher(EndpointRequest.toAnyEndpoint())
			.authorizeHttpRequests((requests) -> requests.requestMatchers(HttpMethod.GET)
				.permitAll()
				.anyRequest()
				.hasRole("ACTUATOR_ADMIN"))
			.httpBasic(Customizer.withDefaults())
			// Stateless HTTP Basic for tools such as curl: no session cookie, so no CSRF token to send.
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.csrf((csrf) -> csrf.ignoringRequestMatchers(EndpointRequest.toAnyEndpoint()));
		return http.build();
	}

	@Bean
	@Order(2)
	SecurityFilterChain apiSecurity(HttpSecurity http) throws Exception {
		http.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
			// A JSON API without sessions or cookies: there is nothing for a cross-site request to ride on.
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.csrf((csrf) -> csrf.disable());
		return http.build();
	}

}
