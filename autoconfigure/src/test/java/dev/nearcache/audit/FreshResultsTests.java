package dev.nearcache.audit;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.support.ScopeNotActiveException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link FreshResults}: results are unwrapped as Spring's cache interceptor caches them, and failures that
 * come from context the audit cannot carry are told apart from real errors.
 */
class FreshResultsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	@Test
	void unwrapsOptionalsFuturesAndPublishers() throws Exception {
		assertThat(FreshResults.unwrap(Optional.of("a"), TIMEOUT)).isEqualTo("a");
		assertThat(FreshResults.unwrap(Optional.empty(), TIMEOUT)).isNull();
		assertThat(FreshResults.unwrap(CompletableFuture.completedFuture("b"), TIMEOUT)).isEqualTo("b");
		assertThat(FreshResults.unwrap(Mono.just("c"), TIMEOUT)).isEqualTo("c");
		assertThat(FreshResults.unwrap(Flux.just("d", "e"), TIMEOUT)).isEqualTo(List.of("d", "e"));
		assertThat(FreshResults.unwrap("f", TIMEOUT)).isEqualTo("f");
	}

	@Test
	void requestScopeOutsideItsRequestIsOutOfContext() {
		assertThat(FreshResults.outOfContext(new IllegalStateException("wrapped",
				new ScopeNotActiveException("scopedTarget.tenant", "request", new IllegalStateException(
						"No thread-bound request found: Are you referring to request attributes outside of an actual web request"))))).isTrue();
		assertThat(FreshResults.outOfContext(new IllegalStateException("database down"))).isFalse();
	}

}
