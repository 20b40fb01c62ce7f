package dev.nearcache.cache;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * The inner half of {@link CacheFillAdvisor}: runs just inside Spring's cache interceptor, around the
 * {@code @Cacheable} method itself (so only on a miss), and does two things.
 * <ul>
 * <li>The method body runs in a span that is no read ({@link FillScope.Frames#enterNoRead()}): a {@code put} the
 * method makes itself is a write, never taken for the fill of the read around it.</li>
 * <li>A {@code CompletableFuture}, {@code Mono} or {@code Flux} result is handed back to Spring wrapped so that its
 * completion is delivered with the read's scope re-entered on the completing thread. Spring puts the loaded
 * value from that very delivery, so the put finds the stamp of its own read's miss — not some other read's, as
 * any registry shared between threads would have to guess.</li>
 * </ul>
 * Its order is one more than the cache advisor's; at the lowest precedence (the default of
 * {@code @EnableCaching}) it ties with it and, being registered by an auto-configuration and so after it, sorts
 * inside it.
 */
public class FillCompletionAdvisor extends AbstractPointcutAdvisor {

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
			FillCompletionAdvisor.class.getClassLoader());

	private final Pointcut pointcut;

	private final Supplier<Integer> cacheAdvisorOrder;

	private final MethodInterceptor interceptor = new CompletionInterceptor();

	/**
	 * Create the advisor.
	 * @param fillAdvisor the outer advisor, whose methods this one wraps too
	 * @param cacheAdvisorOrder the order of Spring's cache advisor
	 */
	public FillCompletionAdvisor(CacheFillAdvisor fillAdvisor, Supplier<Integer> cacheAdvisorOrder) {
		this.pointcut = fillAdvisor.readPointcut();
		this.cacheAdvisorOrder = cacheAdvisorOrder;
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

	@Override
	public int getOrder() {
		int order = this.cacheAdvisorOrder.get();
		return (order == Ordered.LOWEST_PRECEDENCE) ? order : order + 1;
	}

	private static final class CompletionInterceptor implements MethodInterceptor {

		@Override
		public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			FillScope.Frames frames = FillScope.frames();
			FillScope read = frames.current();
			int level = frames.enterNoRead();
			Object result;
			try {
				result = invocation.proceed();
			}
			finally {
				frames.exit(level);
			}
			if (read == null || result == null || !read.hasPendingFill()) {
				return result;
			}
			Class<?> declared = invocation.getMethod().getReturnType();
			if (result instanceof CompletableFuture<?> future && declared.isAssignableFrom(CompletableFuture.class)) {
				return completeWithin(read, future);
			}
			if (REACTOR_PRESENT && ReactiveResults.isReactive(result)) {
				return ReactiveResults.signalWithin(read, result);
			}
			return result;
		}

		private static CompletableFuture<@Nullable Object> completeWithin(FillScope read, CompletableFuture<?> future) {
			CompletableFuture<@Nullable Object> completion = new CompletableFuture<>();
			future.whenComplete((value, failure) -> {
				FillScope.Frames frames = FillScope.frames();
				int level = frames.reenter(read);
				try {
					if (failure != null) {
						completion.completeExceptionally(failure);
					}
					else {
						completion.complete(value);
					}
				}
				finally {
					frames.exit(level);
				}
			});
			return completion;
		}

	}

}
