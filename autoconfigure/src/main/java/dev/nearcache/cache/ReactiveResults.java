package dev.nearcache.cache;

import java.util.function.Function;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.context.Context;

/**
 * Reactor-specific part of {@link FillCompletionAdvisor}, loaded only when Reactor is on the classpath.
 */
final class ReactiveResults {

	private ReactiveResults() {
	}

	static boolean isReactive(Object result) {
		return result instanceof Mono<?> || result instanceof Flux<?>;
	}

	/**
	 * Deliver every signal of a {@code Mono} or {@code Flux} with a read's scope re-entered, so that the put
	 * Spring makes from {@code onNext} (a {@code Mono}) or {@code onComplete} (a collected {@code Flux}) fills
	 * that read's miss.
	 */
	@SuppressWarnings("unchecked")
	static Object signalWithin(FillScope scope, Object result) {
		Function<? super Publisher<Object>, ? extends Publisher<Object>> lift = Operators
			.<Object, Object>lift((scannable, actual) -> new ScopedSubscriber<>(actual, scope));
		if (result instanceof Mono<?> mono) {
			return Mono.from(lift.apply((Mono<Object>) mono));
		}
		return Flux.from(lift.apply((Flux<Object>) result));
	}

	/**
	 * Delivers each signal with the read's scope re-entered. It is its own {@link Subscription} (not the
	 * upstream's): a downstream that could fuse with a fusable source (Spring's {@code publish()} for a
	 * {@code Flux}) would otherwise pull values with {@code poll()}, and no signal would pass through here.
	 */
	private static final class ScopedSubscriber<T> implements CoreSubscriber<T>, Subscription {

		private final CoreSubscriber<? super T> actual;

		private final FillScope scope;

		private Subscription upstream = Operators.emptySubscription();

		ScopedSubscriber(CoreSubscriber<? super T> actual, FillScope scope) {
			this.actual = actual;
			this.scope = scope;
		}

		@Override
		public Context currentContext() {
			return this.actual.currentContext();
		}

		@Override
		public void onSubscribe(Subscription subscription) {
			this.upstream = subscription;
			this.actual.onSubscribe(this);
		}

		@Override
		public void request(long n) {
			this.upstream.request(n);
		}

		@Override
		public void cancel() {
			this.upstream.cancel();
		}

		@Override
		public void onNext(T value) {
			FillScope.Frames frames = FillScope.frames();
			int level = frames.reenter(this.scope);
			try {
				this.actual.onNext(value);
			}
			finally {
				frames.exit(level);
			}
		}

		@Override
		public void onError(Throwable failure) {
			FillScope.Frames frames = FillScope.frames();
			int level = frames.reenter(this.scope);
			try {
				this.actual.onError(failure);
			}
			finally {
				frames.exit(level);
			}
		}

		@Override
		public void onComplete() {
			FillScope.Frames frames = FillScope.frames();
			int level = frames.reenter(this.scope);
			try {
				this.actual.onComplete();
			}
			finally {
				frames.exit(level);
			}
		}

	}

}
