package dev.nearcache.audit;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.cache.interceptor.CacheOperation;
import org.springframework.cache.interceptor.CacheOperationSource;
import org.springframework.cache.interceptor.CachePutOperation;
import org.springframework.cache.interceptor.CacheableOperation;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.function.SingletonSupplier;

import dev.nearcache.annotation.NoCacheAudit;
import dev.nearcache.cache.LoadCounter;

/**
 * Samples the hits of audited {@code @Cacheable} methods for the {@link StaleReadAuditor}. It applies only to
 * methods of caches with an audit sample rate above zero and without {@link NoCacheAudit}, so every other method's
 * proxy — and every cache hit while the audit is off — is exactly what it was without it.
 * <p>
 * It runs just outside Spring's cache interceptor (like {@code CacheFillAdvisor}). A call was a hit when no method
 * body ran and no load was started or joined during it ({@link LoadCounter}): a {@code sync = true} read that
 * waited for another thread's load in flight is therefore never audited. Every call draws a random number first;
 * only a drawn call does more.
 */
public class CacheAuditAdvisor extends AbstractPointcutAdvisor {

	private static final Log logger = LogFactory.getLog(CacheAuditAdvisor.class);

	private final CacheOperationSource operationSource;

	private final Supplier<Integer> cacheAdvisorOrder;

	private final Function<String, CacheAuditPolicy> policies;

	private final SingletonSupplier<StaleReadAuditor> auditor;

	private final Map<Method, AuditedMethod> methods = new ConcurrentHashMap<>();

	/** The highest sample rate of any audited method: a draw at or above it samples nothing. */
	private volatile double highestSampleRate;

	private final Set<String> warned = ConcurrentHashMap.newKeySet();

	private final Pointcut pointcut = new AuditedPointcut();

	private final MethodInterceptor interceptor = new SamplingInterceptor();

	/**
	 * Create the advisor.
	 * @param operationSource reads the cache annotations of a method
	 * @param cacheAdvisorOrder the order of Spring's cache advisor
	 * @param policies the audit policy of each cache, by name (read while proxies are made, so not from a bean)
	 * @param auditor audits the sampled hits; looked up at the first sampled hit
	 */
	public CacheAuditAdvisor(CacheOperationSource operationSource, Supplier<Integer> cacheAdvisorOrder,
			Function<String, CacheAuditPolicy> policies, Supplier<StaleReadAuditor> auditor) {
		this.operationSource = operationSource;
		this.cacheAdvisorOrder = cacheAdvisorOrder;
		this.policies = policies;
		this.auditor = SingletonSupplier.of(auditor);
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
		return (order == Ordered.HIGHEST_PRECEDENCE) ? order : order - 1;
	}

	/**
	 * Draws first: a call that is not sampled (all but a sample rate's share) costs one random number and a
	 * comparison, and proceeds. Only a drawn call finds out whether it is a hit, which needs the load count before
	 * and after. Drawing among calls rather than among hits samples the same share of hits.
	 */
	private final class SamplingInterceptor implements MethodInterceptor {

		@Override
		public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
			double draw = ThreadLocalRandom.current().nextDouble();
			if (draw >= CacheAuditAdvisor.this.highestSampleRate) {
				return invocation.proceed();
			}
			return drawn(invocation, draw);
		}

		private @Nullable Object drawn(MethodInvocation invocation, double draw) throws Throwable {
			long loads = LoadCounter.onThisThread();
			Object result = invocation.proceed();
			if (LoadCounter.onThisThread() == loads) {
				AuditedMethod method = CacheAuditAdvisor.this.methods.get(invocation.getMethod());
				if (method != null && draw < method.sampleRate()) {
					CacheAuditAdvisor.this.auditor.obtain().sampled(method, invocation);
				}
			}
			return result;
		}

	}

	private final class AuditedPointcut extends StaticMethodMatcherPointcut {

		@Override
		public ClassFilter getClassFilter() {
			return ClassFilter.TRUE;
		}

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			if (CacheAuditAdvisor.this.methods.containsKey(method)) {
				return true;
			}
			AuditedMethod audited = audited(method, targetClass);
			if (audited == null) {
				return false;
			}
			CacheAuditAdvisor.this.methods.putIfAbsent(method, audited);
			raiseHighestSampleRate(audited.sampleRate());
			warnIfNotComparable(audited, method, targetClass);
			return true;
		}

		private @Nullable AuditedMethod audited(Method method, Class<?> targetClass) {
			CacheOperationSource source = CacheAuditAdvisor.this.operationSource;
			if (!source.isCandidateClass(targetClass)) {
				return null;
			}
			Collection<CacheOperation> operations = source.getCacheOperations(method, targetClass);
			if (operations == null) {
				return null;
			}
			CacheableOperation read = null;
			for (CacheOperation operation : operations) {
				if (operation instanceof CachePutOperation) {
					return null;
				}
				if (read == null && operation instanceof CacheableOperation cacheable) {
					read = cacheable;
				}
			}
			if (read == null || optedOut(method, targetClass)) {
				return null;
			}
			List<String> audited = new ArrayList<>();
			double rate = 0;
			for (String name : read.getCacheNames()) {
				double cacheRate = CacheAuditAdvisor.this.policies.apply(name).sampleRate();
				if (cacheRate > 0) {
					audited.add(name);
					rate = Math.max(rate, cacheRate);
				}
			}
			return audited.isEmpty() ? null : new AuditedMethod(method, targetClass, read, List.copyOf(audited), rate);
		}

		private boolean optedOut(Method method, Class<?> targetClass) {
			Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
			return AnnotatedElementUtils.hasAnnotation(specific, NoCacheAudit.class)
					|| AnnotatedElementUtils.hasAnnotation(method, NoCacheAudit.class)
					|| AnnotatedElementUtils.hasAnnotation(targetClass, NoCacheAudit.class);
		}

	}

	private synchronized void raiseHighestSampleRate(double rate) {
		if (rate > this.highestSampleRate) {
			this.highestSampleRate = rate;
		}
	}

	/** A startup WARN, once per cache and value type, when the values' {@code equals} cannot tell a change. */
	private void warnIfNotComparable(AuditedMethod method, Method javaMethod, Class<?> targetClass) {
		Class<?> valueType = valueType(javaMethod, targetClass);
		String reason = ValueComparison.whyNotEquals(valueType);
		for (String cache : method.cacheNames()) {
			if (reason == null || this.policies.apply(cache).comparator() != null
					|| !this.warned.add(cache + " " + valueType.getName()) || !logger.isWarnEnabled()) {
				continue;
			}
			logger.warn("Audited cache '" + cache + "' holds " + valueType.getName() + ", which " + reason
					+ ". The audit compares its values through the application's CacheValueComparator (by default "
					+ "their JSON trees, as the application's JsonMapper writes them); properties Jackson does not "
					+ "write, lazy associations and callers that modify cached objects in place can make that "
					+ "comparison wrong. Give the cache a comparator that fits its values "
					+ "(nearcache.caches." + cache + ".audit.comparator=<CacheValueComparator bean name>), "
					+ "cache immutable DTOs, or exclude " + method.description() + " with @NoCacheAudit.");
		}
	}

	private static Class<?> valueType(Method method, Class<?> targetClass) {
		ResolvableType type = ResolvableType.forMethodReturnType(method, targetClass);
		String name = type.toClass().getName();
		if (name.equals("java.util.Optional") || name.equals("java.util.concurrent.CompletableFuture")
				|| name.equals("reactor.core.publisher.Mono")) {
			type = type.getGeneric(0);
		}
		return type.toClass();
	}

}
