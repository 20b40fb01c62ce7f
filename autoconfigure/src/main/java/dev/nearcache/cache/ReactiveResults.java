package dev.nearcache.cache;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reactor-specific part of {@link CacheFillAdvisor}, loaded only when Reactor is on the classpath.
 */
final class ReactiveResults {

	private ReactiveResults() {
	}

	static boolean isReactive(Object result) {
		return result instanceof Mono<?> || result instanceof Flux<?>;
	}

	static Object onTermination(Object result, Runnable action) {
		if (result instanceof Mono<?> mono) {
			return mono.doFinally((signal) -> action.run());
		}
		return ((Flux<?>) result).doFinally((signal) -> action.run());
	}

}
