package dev.nearcache.audit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.util.ClassUtils;

/**
 * Turns what a {@code @Cacheable} method returned into what Spring's cache interceptor would have cached: the
 * content of an {@code Optional}, the value of a {@code CompletableFuture} or {@code Mono}, the elements of a
 * {@code Flux} as a list. Waits at most the given timeout, on the audit's thread.
 */
final class FreshResults {

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
			FreshResults.class.getClassLoader());

	private FreshResults() {
	}

	static @Nullable Object unwrap(@Nullable Object result, Duration timeout) throws Exception {
		if (result instanceof Optional<?> optional) {
			return optional.orElse(null);
		}
		if (result instanceof Future<?> future) {
			try {
				return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			}
			catch (ExecutionException ex) {
				throw (ex.getCause() instanceof Exception cause) ? cause : ex;
			}
		}
		if (REACTOR_PRESENT) {
			return Reactive.unwrap(result, timeout);
		}
		return result;
	}

	/**
	 * Return whether a failure of the repeated call comes from context the audit cannot carry (a request scope
	 * outside its request, a security context that is missing): the sample is skipped, not counted as an error.
	 */
	static boolean outOfContext(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			String name = cause.getClass().getName();
			String message = String.valueOf(cause.getMessage());
			if (name.endsWith("ScopeNotActiveException") || name.endsWith("AccessDeniedException")
					|| name.endsWith("AuthenticationCredentialsNotFoundException")
					|| message.contains("No thread-bound request found")) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	private static final class Reactive {

		static @Nullable Object unwrap(@Nullable Object result, Duration timeout) {
			if (result instanceof Mono<?> mono) {
				return mono.block(timeout);
			}
			if (result instanceof Flux<?> flux) {
				return flux.collectList().block(timeout);
			}
			return result;
		}

	}

}
