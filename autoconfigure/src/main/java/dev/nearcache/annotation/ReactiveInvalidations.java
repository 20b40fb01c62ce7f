package dev.nearcache.annotation;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reactor-specific part of {@link CacheInvalidateInterceptor}, loaded only when Reactor is on the classpath.
 * Like Spring's cache interceptor: a {@code Mono} invalidates on success (with its value, or empty), a
 * {@code Flux} on completion. Each subscription invalidates; an error or a cancellation invalidates nothing.
 */
final class ReactiveInvalidations {

	private ReactiveInvalidations() {
	}

	static boolean isReactive(@Nullable Object result) {
		return result instanceof Mono<?> || result instanceof Flux<?>;
	}

	/**
	 * Return the result, calling the action when it completes successfully; an exception from the action becomes
	 * the result's error.
	 * @param result a {@code Mono} or {@code Flux}
	 * @param onMonoSuccess called with a {@code Mono}'s value ({@code null} if empty)
	 * @param onFluxComplete called when a {@code Flux} completes
	 * @return the decorated result
	 */
	static Object onSuccess(Object result, Consumer<@Nullable Object> onMonoSuccess, Runnable onFluxComplete) {
		if (result instanceof Mono<?> mono) {
			return mono.doOnSuccess(onMonoSuccess::accept);
		}
		return ((Flux<?>) result).doOnComplete(onFluxComplete);
	}

}
