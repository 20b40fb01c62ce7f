package dev.nearcache.cache;

import java.lang.reflect.Method;
import java.util.Collection;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.cache.interceptor.CacheOperation;
import org.springframework.cache.interceptor.CacheOperationSource;
import org.springframework.cache.interceptor.CachePutOperation;
import org.springframework.cache.interceptor.CacheableOperation;
import org.springframework.core.Ordered;

/**
 * Tells fills from writes: wraps every {@code @Cacheable} read (and no {@code @CachePut}) method in a
 * {@link FillScope}, so the {@code put} Spring's cache interceptor makes after a miss is not broadcast.
 * Without it every miss on one instance would evict the key on all the others, which then miss too.
 * <p>
 * It must run just outside Spring's cache interceptor, so its order is one less than that of the cache
 * advisor (read when advisors are sorted; {@code @EnableCaching(order = ...)} is honoured, except
 * {@code Ordered.HIGHEST_PRECEDENCE}, where nothing can be outside it and fills are writes). Its partner
 * {@link FillCompletionAdvisor} runs just inside Spring's interceptor and carries the read's scope to the thread
 * that completes an asynchronous result. With AspectJ-mode caching neither applies: fills are then writes
 * (broadcast, installed without the stale check); see {@code docs/consistency.md}.
 */
public class CacheFillAdvisor extends AbstractPointcutAdvisor {

	private final CacheOperationSource operationSource;

	private final Supplier<Integer> cacheAdvisorOrder;

	private final Pointcut pointcut = new ReadPointcut();

	private final MethodInterceptor interceptor = new FillScopeInterceptor();

	/**
	 * Create the advisor.
	 * @param operationSource reads the cache annotations of a method
	 * @param cacheAdvisorOrder the order of Spring's cache advisor
	 */
	public CacheFillAdvisor(CacheOperationSource operationSource,
			Supplier<Integer> cacheAdvisorOrder) {
		this.operationSource = operationSource;
		this.cacheAdvisorOrder = cacheAdvisorOrder;
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public org.aopalliance.aop.Advice getAdvice() {
		return this.interceptor;
	}

	@Override
	public int getOrder() {
		int order = this.cacheAdvisorOrder.get();
		return (order == Ordered.HIGHEST_PRECEDENCE) ? order : order - 1;
	}

	/**
	 * Opens a {@link FillScope} frame around the read. Every {@code @Cacheable} call runs through it, so the hit
	 * path is kept small and flat (a class rather than a method reference, nothing but the frame): the JIT inlines
	 * the whole advice chain only while it stays within its depth and size limits, and one level more cost up to a
	 * fifth of a proxied hit (issue 7, {@code CacheableProxyBenchmark}).
	 */
	private static final class FillScopeInterceptor implements MethodInterceptor {

		@Override
		public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			FillScope.Frames frames = FillScope.frames();
			int level = frames.enter();
			try {
				return invocation.proceed();
			}
			finally {
				frames.exit(level);
			}
		}

	}

	/**
	 * Return the pointcut of the methods this advisor wraps, for the {@link FillCompletionAdvisor} that must
	 * wrap the same ones.
	 * @return the pointcut
	 */
	Pointcut readPointcut() {
		return this.pointcut;
	}

	private final class ReadPointcut extends StaticMethodMatcherPointcut {

		@Override
		public ClassFilter getClassFilter() {
			return ClassFilter.TRUE;
		}

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			CacheOperationSource source = CacheFillAdvisor.this.operationSource;
			if (!source.isCandidateClass(targetClass)) {
				return false;
			}
			Collection<CacheOperation> operations = source.getCacheOperations(method, targetClass);
			if (operations == null) {
				return false;
			}
			boolean reads = false;
			for (CacheOperation operation : operations) {
				if (operation instanceof CachePutOperation) {
					return false;
				}
				reads |= operation instanceof CacheableOperation;
			}
			return reads;
		}

	}

}
