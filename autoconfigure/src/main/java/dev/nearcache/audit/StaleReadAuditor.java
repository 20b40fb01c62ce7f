package dev.nearcache.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.aopalliance.intercept.MethodInvocation;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.Advised;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.expression.BeanFactoryResolver;

import dev.nearcache.cache.AuditResult;
import dev.nearcache.cache.AuditStatistics;
import dev.nearcache.cache.AuditStatistics.ConfirmedMismatch;
import dev.nearcache.cache.AuditedEntry;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;

/**
 * Audits sampled {@code @Cacheable} hits: on the request thread only what must be taken there (the key, the cached
 * entry, a copy of the arguments, the caller's context), then on a small bounded executor the method is invoked
 * again without the cache and the fresh value compared with the cached one. A difference is only reported once
 * confirmed: a staleness bound later, the same entry must still be cached and no invalidation of its key (nor a
 * clear, nor a degraded mode) may have happened since the hit — otherwise it was a write whose invalidation was in
 * flight.
 * <p>
 * The request never waits: when the executor's threads are busy and its queue is full, or the budget of repeated
 * calls per second is spent, the sample is skipped and counted, so the audit costs the source of truth at most
 * {@code max-calls-per-second} extra calls, and never more than its threads' worth at once.
 */
public class StaleReadAuditor implements DisposableBean {

	private static final Log logger = LogFactory.getLog(StaleReadAuditor.class);

	private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final NearCacheManager cacheManager;

	private final Function<String, CacheAuditPolicy> policies;

	private final ValueComparison comparison;

	private final AuditedMethod.KeyGenerators keyGenerators;

	private final BeanFactoryResolver beanResolver;

	private final Settings settings;

	private final ThreadPoolExecutor executor;

	private final ScheduledThreadPoolExecutor confirmations;

	private final CallBudget budget;

	private final AtomicInteger pendingConfirmations = new AtomicInteger();

	private final AtomicInteger inFlight = new AtomicInteger();

	private final UncachedInvoker invoker = new UncachedInvoker();

	private final Map<String, AtomicLong> lastWarnings = new ConcurrentHashMap<>();

	/**
	 * Create the auditor.
	 * @param cacheManager the caches whose hits are audited
	 * @param policies the audit policy of each cache, by name
	 * @param comparison how values are compared
	 * @param keyGenerators the key generators {@code @Cacheable} methods name
	 * @param beanResolver resolves {@code @beanName} in key expressions
	 * @param settings the executor's budget and the confirmation delay
	 */
	StaleReadAuditor(NearCacheManager cacheManager, Function<String, CacheAuditPolicy> policies,
			ValueComparison comparison, AuditedMethod.KeyGenerators keyGenerators, BeanFactoryResolver beanResolver,
			Settings settings) {
		this.cacheManager = cacheManager;
		this.policies = policies;
		this.comparison = comparison;
		this.keyGenerators = keyGenerators;
		this.beanResolver = beanResolver;
		this.settings = settings;
		this.budget = new CallBudget(settings.maxCallsPerSecond());
		this.executor = new ThreadPoolExecutor(settings.threads(), settings.threads(), 30, TimeUnit.SECONDS,
				new ArrayBlockingQueue<>(settings.queueCapacity()), daemonThreads("nearcache-audit-"),
				(task, executor) -> ((AuditTask) task).skip());
		this.executor.allowCoreThreadTimeOut(true);
		this.confirmations = new ScheduledThreadPoolExecutor(1, daemonThreads("nearcache-audit-confirm-"));
		this.confirmations.setRemoveOnCancelPolicy(true);
	}

	/**
	 * Create the auditor (for the auto-configuration).
	 * @param cacheManager the caches whose hits are audited
	 * @param policies the audit policy of each cache, by name
	 * @param applicationComparator compares values without a meaningful {@code equals}
	 * @param namedComparators the comparators caches name, by bean name
	 * @param keyGenerators the key generator beans, by name ({@code ""}: Spring's cache interceptor's own)
	 * @param beanResolver resolves {@code @beanName} in key expressions
	 * @param settings the executor's budget and the confirmation delay
	 * @return the auditor
	 */
	public static StaleReadAuditor create(NearCacheManager cacheManager, Function<String, CacheAuditPolicy> policies,
			CacheValueComparator applicationComparator, Function<String, CacheValueComparator> namedComparators,
			Function<String, org.springframework.cache.interceptor.KeyGenerator> keyGenerators,
			BeanFactoryResolver beanResolver, Settings settings) {
		return new StaleReadAuditor(cacheManager, policies, new ValueComparison(applicationComparator, namedComparators),
				keyGenerators::apply, beanResolver, settings);
	}

	CacheAuditPolicy policy(String cacheName) {
		return this.policies.apply(cacheName);
	}

	/**
	 * A hit of an audited method was sampled: take what must be taken now, and audit it in the background.
	 * @param method the method
	 * @param invocation the call, on the caller's thread
	 */
	void sampled(AuditedMethod method, MethodInvocation invocation) {
		if (this.executor.getQueue().remainingCapacity() == 0 || !this.budget.tryAcquire()) {
			// Over budget: skip before doing anything else, so that a high sample rate costs the caller nothing more.
			record(method.cacheNames().get(0), AuditResult.SKIPPED);
			return;
		}
		Object target = invocation.getThis();
		@Nullable Object[] args = invocation.getArguments().clone();
		Object key;
		try {
			key = method.key(target, args, this.keyGenerators, this.beanResolver);
		}
		catch (RuntimeException ex) {
			record(method.cacheNames().get(0), AuditResult.ERROR);
			return;
		}
		if (key == null) {
			return;
		}
		NearCache cache = null;
		AuditedEntry entry = null;
		for (String name : method.cacheNames()) {
			NearCache candidate = this.cacheManager.findCache(name);
			if (candidate != null && policy(name).enabled()) {
				cache = (cache != null) ? cache : candidate;
				entry = candidate.auditedEntry(key);
				if (entry != null) {
					cache = candidate;
					break;
				}
			}
		}
		if (cache == null) {
			return;
		}
		if (entry == null) {
			// Nothing live to audit: invalidated since the hit, or the call was no hit (a reactive miss, which
			// Spring loads only when the result is subscribed to).
			return;
		}
		if (cache.getDegradedMode() != null || !(invocation instanceof ProxyMethodInvocation call)
				|| !(call.getProxy() instanceof Advised proxy)) {
			cache.getStatistics().audit().record(AuditResult.SKIPPED);
			return;
		}
		Sample sample = new Sample(method, cache, entry, proxy, target, args, CallerContext.capture());
		this.executor.execute(new AuditTask(sample));
	}

	/** One sample's audit; counted as skipped when the executor refuses it (no exception is thrown). */
	private final class AuditTask implements Runnable {

		private final Sample sample;

		AuditTask(Sample sample) {
			this.sample = sample;
		}

		@Override
		public void run() {
			audit(this.sample);
		}

		void skip() {
			this.sample.statistics().record(AuditResult.SKIPPED);
		}

	}

	private void audit(Sample sample) {
		this.inFlight.incrementAndGet();
		try {
			AuditResult result = compare(sample);
			if (result != null) {
				sample.statistics().record(result);
			}
		}
		finally {
			this.inFlight.decrementAndGet();
		}
	}

	/** @return the result, or {@code null} when a confirmation was scheduled */
	private @Nullable AuditResult compare(Sample sample) {
		if (sample.cache().getDegradedMode() != null) {
			return AuditResult.SKIPPED;
		}
		Object fresh;
		try (CallerContext.Scope scope = sample.context().install()) {
			fresh = FreshResults.unwrap(this.invoker.invoke(sample.proxy(), sample.method().method(), sample.args()),
					this.settings.timeout());
		}
		catch (Throwable ex) {
			if (FreshResults.outOfContext(ex)) {
				return AuditResult.SKIPPED;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Audit of " + sample.method().description() + " failed", ex);
			}
			return AuditResult.ERROR;
		}
		Object keyNow;
		boolean same;
		try {
			keyNow = sample.method().key(sample.target(), sample.args(), this.keyGenerators, this.beanResolver);
			if (!sample.entry().key().equals(keyNow)) {
				return AuditResult.SKIPPED; // the caller changed the arguments after the call
			}
			same = this.comparison.same(policy(sample.cache().getName()), sample.entry().value(), fresh);
		}
		catch (Exception ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Audit of " + sample.method().description() + " could not compare the values", ex);
			}
			return AuditResult.ERROR;
		}
		if (same) {
			return AuditResult.MATCH;
		}
		if (this.pendingConfirmations.incrementAndGet() > this.settings.queueCapacity()) {
			this.pendingConfirmations.decrementAndGet();
			return AuditResult.SKIPPED;
		}
		this.confirmations.schedule(() -> confirm(sample), this.settings.confirmAfter().toNanos(),
				TimeUnit.NANOSECONDS);
		return null;
	}

	private void confirm(Sample sample) {
		try {
			NearCache cache = sample.cache();
			if (!cache.unchangedSince(sample.entry())) {
				sample.statistics().record(AuditResult.UNCONFIRMED);
				return;
			}
			Object key = sample.entry().key();
			Duration age = cache.ageOf(key);
			String canonical = canonical(cache, key);
			CacheAuditPolicy policy = policy(cache.getName());
			boolean evicted = policy.action() == AuditAction.EVICT && cache.evictLocally(key);
			sample.statistics().recordMismatch(new ConfirmedMismatch(canonical, (age != null) ? age : Duration.ZERO,
					Instant.now()));
			warnAtMostOncePerMinute(sample, canonical, age, evicted);
		}
		finally {
			this.pendingConfirmations.decrementAndGet();
		}
	}

	private void warnAtMostOncePerMinute(Sample sample, String key, @Nullable Duration age, boolean evicted) {
		String name = sample.cache().getName();
		AtomicLong last = this.lastWarnings.computeIfAbsent(name, (n) -> new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS));
		long now = System.nanoTime();
		long previous = last.get();
		if (now - previous < WARN_INTERVAL_NANOS || !last.compareAndSet(previous, now) || !logger.isWarnEnabled()) {
			return;
		}
		logger.warn("Stale read confirmed in cache '" + name + "', key " + key + ": the cached value"
				+ ((age != null) ? " (cached " + age.toMillis() + " ms ago)" : "") + " differs from what "
				+ sample.method().description() + " returns now, and no invalidation of the key arrived within "
				+ this.settings.confirmAfter().toMillis() + " ms. This means a write path that does not invalidate "
				+ "this cache (a method without @CacheInvalidate, a batch job, a SQL migration), a writer outside this "
				+ "application, or code that modifies cached objects in place."
				+ (evicted ? " The key was evicted on this instance only." : "")
				+ " Further mismatches of this cache are counted (nearcache.audit.samples{result=mismatch}) and "
				+ "logged at most once a minute.");
	}

	private static String canonical(NearCache cache, Object key) {
		try {
			return cache.canonicalKey(key);
		}
		catch (RuntimeException ex) {
			return String.valueOf(key);
		}
	}

	private void record(String cacheName, AuditResult result) {
		NearCache cache = this.cacheManager.findCache(cacheName);
		if (cache != null) {
			cache.getStatistics().audit().record(result);
		}
	}

	/**
	 * Return whether samples are being audited or wait for their confirmation.
	 * @return whether the audit is busy
	 */
	public boolean busy() {
		return this.inFlight.get() > 0 || !this.executor.getQueue().isEmpty() || this.pendingConfirmations.get() > 0;
	}

	@Override
	public void destroy() {
		this.executor.shutdownNow();
		this.confirmations.shutdownNow();
	}

	private static ThreadFactory daemonThreads(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> {
			Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
	}

	/**
	 * The audit's budget.
	 *
	 * @param threads threads that invoke methods again
	 * @param queueCapacity samples waiting for a thread, and differences waiting for their confirmation, beyond
	 * which samples are skipped
	 * @param confirmAfter how long after a difference the entry must still be cached, its key not invalidated
	 * @param timeout longest wait for an asynchronous result
	 * @param maxCallsPerSecond most repeated calls per second (0: only the threads limit them)
	 */
	public record Settings(int threads, int queueCapacity, Duration confirmAfter, Duration timeout,
			int maxCallsPerSecond) {
	}

	private record Sample(AuditedMethod method, NearCache cache, AuditedEntry entry, Advised proxy,
			@Nullable Object target, @Nullable Object[] args, CallerContext context) {

		AuditStatistics statistics() {
			return this.cache.getStatistics().audit();
		}

	}

}
