package dev.nearcache.annotation;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.cache.interceptor.SimpleKeyGenerator;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.expression.EvaluationContext;
import org.springframework.util.ClassUtils;
import org.springframework.util.ObjectUtils;
import org.springframework.util.function.SingletonSupplier;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.UnsupportedCacheKeyException;

/**
 * Carries out the {@link CacheInvalidate} operations of a call.
 * <p>
 * Before the call: checks the caches exist, resolves key generators, evaluates conditions, and invalidates for
 * {@code beforeInvocation}. After a successful call (or when its asynchronous result succeeds): evaluates
 * {@code unless} and the keys, merges everything into one batch per cache, and either flushes it (no transaction)
 * or defers it to the end of the transaction. Flushing goes through {@link NearCacheInvalidator}, which evicts
 * every local form of each key before publishing the canonical forms, one message per cache.
 * <p>
 * Keys are computed when the method returns, not at commit, so an expression error surfaces in the call.
 */
final class CacheInvalidateInterceptor implements MethodInterceptor {

	private static final boolean TRANSACTIONS_PRESENT = ClassUtils.isPresent(
			"org.springframework.transaction.support.TransactionSynchronizationManager",
			CacheInvalidateInterceptor.class.getClassLoader());

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono",
			CacheInvalidateInterceptor.class.getClassLoader());

	private static final String BEFORE_CALL = "before the call (condition, beforeInvocation)";

	private static final String FLUX_RESULT = "for a Flux result";

	private static final String AFTER_THROW = "after the method threw";

	private final CacheInvalidateOperationSource operationSource;

	private final BeanFactory beanFactory;

	private final BeanFactoryResolver beanResolver;

	private final SingletonSupplier<NearCacheManager> cacheManager;

	private final SingletonSupplier<NearCacheInvalidator> invalidator;

	private final SingletonSupplier<KeyGenerator> defaultKeyGenerator;

	private final Map<String, KeyGenerator> keyGenerators = new ConcurrentHashMap<>();

	private final Consumer<InvalidationBatch> flusher = this::flush;

	private final BooleanSupplier outsideTransactionAdvisor;

	/**
	 * @param operationSource the operations of each method
	 * @param beanFactory where collaborators are looked up, at the first call
	 * @param outsideTransactionAdvisor whether this interceptor runs outside Spring's transaction interceptor
	 */
	CacheInvalidateInterceptor(CacheInvalidateOperationSource operationSource, BeanFactory beanFactory,
			BooleanSupplier outsideTransactionAdvisor) {
		this.operationSource = operationSource;
		this.beanFactory = beanFactory;
		this.outsideTransactionAdvisor = outsideTransactionAdvisor;
		this.beanResolver = new BeanFactoryResolver(beanFactory);
		this.cacheManager = SingletonSupplier.of(() -> beanFactory.getBean(NearCacheManager.class));
		this.invalidator = SingletonSupplier.of(() -> beanFactory.getBean(NearCacheInvalidator.class));
		this.defaultKeyGenerator = SingletonSupplier.of(this::resolveDefaultKeyGenerator);
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Method method = invocation.getMethod();
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopProxyUtils.ultimateTargetClass(target) : method.getDeclaringClass();
		List<CacheInvalidateOperation> operations = this.operationSource.operations(method, targetClass);
		if (operations.isEmpty()) {
			return invocation.proceed();
		}
		MethodCall call = new MethodCall(method, targetClass, target, invocation.getArguments());
		boolean callerTransaction = inTransaction();
		List<CacheInvalidateOperation> before = new ArrayList<>(1);
		List<CacheInvalidateOperation> after = new ArrayList<>(operations.size());
		EvaluationContext beforeContext = null;
		for (CacheInvalidateOperation operation : operations) {
			requireKnownCaches(operation, call);
			if (operation.usesKeyGenerator()) {
				keyGenerator(operation, call);
			}
			if (operation.condition() != null) {
				beforeContext = (beforeContext != null) ? beforeContext : context(call, null, BEFORE_CALL);
				if (!isTrue(operation.condition(), beforeContext, call)) {
					continue;
				}
			}
			(operation.beforeInvocation() ? before : after).add(operation);
		}
		InvalidationBatch invalidatedBefore = before.isEmpty() ? null : invalidateBefore(before, call);
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			if (!after.isEmpty()) {
				try {
					invalidateIfCommittedAnyway(after, call, callerTransaction, ex);
				}
				catch (RuntimeException invalidationFailure) {
					// The caller must see what the method threw; the failure to invalidate travels with it.
					ex.addSuppressed(invalidationFailure);
				}
			}
			throw ex;
		}
		finally {
			if (invalidatedBefore != null) {
				invalidateAgainWhenTransactionCompletes(invalidatedBefore, call, callerTransaction);
			}
		}
		if (after.isEmpty()) {
			return result;
		}
		boolean deferToTransaction = deferToTransaction(call, callerTransaction);
		if (result instanceof CompletableFuture<?> future
				&& method.getReturnType().isAssignableFrom(CompletableFuture.class)) {
			Consumer<InvalidationBatch> deferred = deferToTransaction
					? TransactionInvalidations.afterCommitOfLaterResult(this.flusher) : null;
			return future.whenComplete((value, failure) -> {
				if (failure == null) {
					invalidateAfter(after, call, value, null, deferred);
				}
			});
		}
		if (REACTOR_PRESENT && ReactiveInvalidations.isReactive(result)) {
			Consumer<InvalidationBatch> deferred = deferToTransaction
					? TransactionInvalidations.afterCommitOfLaterResult(this.flusher) : null;
			return ReactiveInvalidations.onSuccess(result,
					(value) -> invalidateAfter(after, call, value, null, deferred),
					() -> invalidateAfter(after, call, null, FLUX_RESULT, deferred));
		}
		Consumer<InvalidationBatch> afterCommit = deferToTransaction
				? (batch) -> TransactionInvalidations.afterCommit(this.flusher, batch) : null;
		invalidateAfter(after, call, result, null, afterCommit);
		return result;
	}

	private InvalidationBatch invalidateBefore(List<CacheInvalidateOperation> operations, MethodCall call) {
		InvalidationBatch batch = new InvalidationBatch();
		EvaluationContext context = context(call, null, BEFORE_CALL);
		for (CacheInvalidateOperation operation : operations) {
			collect(operation, call, context, batch);
		}
		flush(batch);
		return batch;
	}

	/**
	 * For {@code beforeInvocation}: invalidate again once the transaction the method ran in has completed,
	 * whatever its outcome, so that a reload during the transaction is not kept.
	 */
	private void invalidateAgainWhenTransactionCompletes(InvalidationBatch batch, MethodCall call,
			boolean callerTransaction) {
		if (ranInItsOwnTransaction(call, callerTransaction)) {
			flush(batch);
		}
		else if (inTransaction()) {
			TransactionInvalidations.afterCompletion(this.flusher, batch);
		}
	}

	/**
	 * Return whether the invalidations of a call that just returned wait for a transaction: one is active, and the
	 * method did not run in a transaction of its own that has completed already.
	 */
	private boolean deferToTransaction(MethodCall call, boolean callerTransaction) {
		return inTransaction() && !ranInItsOwnTransaction(call, callerTransaction);
	}

	/**
	 * Return whether the method ran in a transaction of its own, begun and completed by a transaction interceptor
	 * inside this one ({@code REQUIRES_NEW} or {@code NOT_SUPPORTED} in a caller's transaction, or any
	 * {@code @Transactional} without one). Then what is active on return is the caller's transaction, which the
	 * method's writes do not belong to. Inside the transaction interceptor this never applies: the transaction
	 * active on return is the method's own.
	 */
	private boolean ranInItsOwnTransaction(MethodCall call, boolean callerTransaction) {
		return TRANSACTIONS_PRESENT && this.outsideTransactionAdvisor.getAsBoolean()
				&& TransactionInvalidations.ranInItsOwnTransaction(this.beanFactory, call.method(),
						call.targetClass(), callerTransaction);
	}

	/**
	 * A method that threw may still have written for good: a {@code @Transactional} method commits on a checked
	 * exception unless its rollback rules say otherwise. So invalidate as after a successful call when the write
	 * commits: at once if the method ran in a transaction of its own that committed (its attribute does not roll back
	 * for this exception), else from the active transaction's completion, which discards the invalidations on
	 * rollback. Without a transaction, a call that threw invalidates nothing, as documented.
	 */
	private void invalidateIfCommittedAnyway(List<CacheInvalidateOperation> operations, MethodCall call,
			boolean callerTransaction, Throwable thrown) {
		if (ranInItsOwnTransaction(call, callerTransaction)) {
			if (TransactionInvalidations.committedDespite(this.beanFactory, call.method(), call.targetClass(),
					callerTransaction, thrown)) {
				invalidateAfterThrow(operations, call, thrown, null);
			}
		}
		else if (inTransaction()) {
			invalidateAfterThrow(operations, call, thrown,
					(batch) -> TransactionInvalidations.afterCommit(this.flusher, batch));
		}
	}

	/**
	 * Invalidate for a call that threw but whose write commits. {@code #result} is not available; an operation
	 * whose keys cannot be computed without it clears its caches instead (too much is safe, too little is not),
	 * and the evaluation error is added to the thrown exception as suppressed, never replacing it.
	 */
	private void invalidateAfterThrow(List<CacheInvalidateOperation> operations, MethodCall call, Throwable thrown,
			@Nullable Consumer<InvalidationBatch> afterCommit) {
		EvaluationContext context = context(call, null, AFTER_THROW);
		InvalidationBatch batch = new InvalidationBatch();
		InvalidationBatch immediate = new InvalidationBatch();
		for (CacheInvalidateOperation operation : operations) {
			InvalidationBatch keys = new InvalidationBatch();
			try {
				if (operation.unless() != null && isTrue(operation.unless(), context, call)) {
					continue;
				}
				collect(operation, call, context, keys);
			}
			catch (CacheInvalidateException ex) {
				thrown.addSuppressed(ex);
				keys = new InvalidationBatch();
				operation.cacheNames().forEach(keys::clear);
			}
			batch.addAll(keys);
			if (operation.immediately()) {
				immediate.addAll(keys);
			}
		}
		if (afterCommit == null) {
			flush(batch);
			return;
		}
		flush(immediate);
		if (!batch.isEmpty()) {
			afterCommit.accept(batch);
		}
	}

	/**
	 * Invalidate after a successful call.
	 * @param afterCommit where to defer the invalidations to, or {@code null} to flush them now
	 */
	private void invalidateAfter(List<CacheInvalidateOperation> operations, MethodCall call, @Nullable Object result,
			@Nullable String resultUnavailable, @Nullable Consumer<InvalidationBatch> afterCommit) {
		EvaluationContext context = context(call, result, resultUnavailable);
		InvalidationBatch batch = new InvalidationBatch();
		InvalidationBatch immediate = new InvalidationBatch();
		for (CacheInvalidateOperation operation : operations) {
			if (operation.unless() != null && isTrue(operation.unless(), context, call)) {
				continue;
			}
			InvalidationBatch keys = new InvalidationBatch();
			collect(operation, call, context, keys);
			batch.addAll(keys);
			if (operation.immediately()) {
				immediate.addAll(keys);
			}
		}
		if (afterCommit == null) {
			flush(batch);
			return;
		}
		flush(immediate);
		if (!batch.isEmpty()) {
			afterCommit.accept(batch);
		}
	}

	private void collect(CacheInvalidateOperation operation, MethodCall call, EvaluationContext context,
			InvalidationBatch batch) {
		if (operation.allEntries()) {
			operation.cacheNames().forEach(batch::clear);
			return;
		}
		InvalidationExpression keys = operation.keys();
		if (keys != null) {
			Object value = evaluate(keys, context, call);
			if (value == null) {
				throw new CacheInvalidateException(at(call) + keys.describe() + " evaluated to null; return an "
						+ "empty collection to invalidate nothing");
			}
			for (Object key : elements(value, keys, call)) {
				add(operation, call, batch, key, keys.describe());
			}
			return;
		}
		InvalidationExpression key = operation.key();
		if (key != null) {
			add(operation, call, batch, evaluate(key, context, call), key.describe());
			return;
		}
		KeyGenerator keyGenerator = keyGenerator(operation, call);
		Object generated;
		try {
			generated = keyGenerator.generate(call.target(), call.method(), call.args());
		}
		catch (RuntimeException ex) {
			throw new CacheInvalidateException(at(call) + describeKeyGenerator(operation) + " failed: "
					+ ex.getMessage(), ex);
		}
		add(operation, call, batch, generated, describeKeyGenerator(operation));
	}

	private void add(CacheInvalidateOperation operation, MethodCall call, InvalidationBatch batch,
			@Nullable Object key, String source) {
		if (key == null) {
			throw new CacheInvalidateException(at(call) + source + " gave a null key; a null key cannot have been "
					+ "cached, so this is most likely a mistake in the expression (or the argument is null)");
		}
		NearCacheManager manager = this.cacheManager.obtain();
		for (String cacheName : operation.cacheNames()) {
			NearCache cache = manager.findCache(cacheName);
			if (cache == null || cache.getSettings().broadcast()) {
				try {
					manager.getKeyCanonicalizer().canonicalize(key);
				}
				catch (UnsupportedCacheKeyException ex) {
					throw new CacheInvalidateException(at(call) + source + " gave a key of type "
							+ key.getClass().getName() + ": " + ex.getMessage(), ex);
				}
			}
			batch.add(cacheName, key);
		}
	}

	private static Iterable<?> elements(Object value, InvalidationExpression keys, MethodCall call) {
		if (value instanceof Iterable<?> iterable) {
			return iterable;
		}
		if (value.getClass().isArray()) {
			return List.of(ObjectUtils.toObjectArray(value));
		}
		throw new CacheInvalidateException(at(call) + keys.describe() + " must yield a collection or an array of "
				+ "keys, not a " + value.getClass().getName() + "; use key for a single key");
	}

	private void flush(InvalidationBatch batch) {
		if (batch.isEmpty()) {
			return;
		}
		NearCacheManager manager = this.cacheManager.obtain();
		NearCacheInvalidator invalidator = this.invalidator.obtain();
		for (String cacheName : batch.clears()) {
			invalidator.clear(cacheName);
		}
		for (Map.Entry<String, Set<Object>> entry : batch.keys().entrySet()) {
			NearCache cache = manager.findCache(entry.getKey());
			if (cache != null && !cache.getSettings().broadcast()) {
				// A local cache may hold keys without a canonical form; its evict needs none.
				entry.getValue().forEach(cache::evict);
			}
			else {
				invalidator.invalidateAll(entry.getKey(), entry.getValue());
			}
		}
	}

	private void requireKnownCaches(CacheInvalidateOperation operation, MethodCall call) {
		NearCacheManager manager = this.cacheManager.obtain();
		for (String cacheName : operation.cacheNames()) {
			if (!manager.isKnown(cacheName)) {
				throw new CacheInvalidateException(at(call) + "no near cache named '" + cacheName + "' "
						+ "(nearcache.dynamic=false and it is neither in nearcache.caches nor in "
						+ "spring.cache.cache-names); known caches: " + manager.getCacheNames());
			}
		}
	}

	private KeyGenerator keyGenerator(CacheInvalidateOperation operation, MethodCall call) {
		String name = operation.keyGenerator();
		if (name.isEmpty()) {
			return this.defaultKeyGenerator.obtain();
		}
		KeyGenerator keyGenerator = this.keyGenerators.get(name);
		if (keyGenerator == null) {
			try {
				keyGenerator = BeanFactoryAnnotationUtils.qualifiedBeanOfType(this.beanFactory, KeyGenerator.class,
						name);
			}
			catch (BeansException ex) {
				throw new CacheInvalidateException(at(call) + "no KeyGenerator bean named '" + name + "': "
						+ ex.getMessage(), ex);
			}
			this.keyGenerators.put(name, keyGenerator);
		}
		return keyGenerator;
	}

	/** The key generator Spring's cache interceptor uses: the {@code CachingConfigurer}'s, else a simple one. */
	private KeyGenerator resolveDefaultKeyGenerator() {
		CacheAspectSupport cacheAspect = this.beanFactory.getBeanProvider(CacheAspectSupport.class).getIfUnique();
		if (cacheAspect != null) {
			return cacheAspect.getKeyGenerator();
		}
		CachingConfigurer configurer = this.beanFactory.getBeanProvider(CachingConfigurer.class).getIfUnique();
		KeyGenerator configured = (configurer != null) ? configurer.keyGenerator() : null;
		return (configured != null) ? configured : new SimpleKeyGenerator();
	}

	private static String describeKeyGenerator(CacheInvalidateOperation operation) {
		return operation.keyGenerator().isEmpty() ? "the default key generator"
				: "key generator '" + operation.keyGenerator() + "'";
	}

	private EvaluationContext context(MethodCall call, @Nullable Object result, @Nullable String resultUnavailable) {
		return call.evaluationContext(result, resultUnavailable, this.beanResolver);
	}

	/** As in Spring's cache annotations, a condition holds only if it yields {@code true}; {@code null} is false. */
	private static boolean isTrue(InvalidationExpression expression, EvaluationContext context, MethodCall call) {
		return Boolean.TRUE.equals(evaluate(expression, context, call, Boolean.class));
	}

	private static @Nullable Object evaluate(InvalidationExpression expression, EvaluationContext context,
			MethodCall call) {
		return evaluate(expression, context, call, Object.class);
	}

	private static <T> @Nullable T evaluate(InvalidationExpression expression, EvaluationContext context,
			MethodCall call, Class<T> type) {
		try {
			return expression.expression().getValue(context, type);
		}
		catch (RuntimeException ex) {
			throw new CacheInvalidateException(at(call) + "cannot evaluate " + expression.describe() + ": "
					+ ex.getMessage(), ex);
		}
	}

	private static boolean inTransaction() {
		return TRANSACTIONS_PRESENT && TransactionInvalidations.isActive();
	}

	private static String at(MethodCall call) {
		return "@CacheInvalidate on " + call.description() + ": ";
	}

}
