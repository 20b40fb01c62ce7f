package dev.nearcache.annotation;

import java.lang.reflect.Method;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.interceptor.TransactionAttribute;
import org.springframework.transaction.interceptor.TransactionAttributeSource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Defers invalidations to the end of the current Spring-managed transaction. Loaded only when spring-tx is on the
 * classpath.
 * <p>
 * Every invalidation deferred in one transaction joins one synchronization per flusher, flushed once from
 * {@code afterCompletion}, so a transaction sends one message per cache. {@code afterCompletion} rather than
 * {@code afterCommit}: the list of synchronizations is read again for it, so an invalidation deferred from another
 * synchronization's {@code afterCommit} is not lost. A rollback discards the after-commit invalidations; an unknown
 * outcome ({@code STATUS_UNKNOWN}, e.g. a participating JTA transaction) flushes them, since evicting too much is
 * safe and too little is not.
 */
final class TransactionInvalidations {

	private TransactionInvalidations() {
	}

	/** @return whether a transaction synchronization is active on this thread */
	static boolean isActive() {
		return TransactionSynchronizationManager.isSynchronizationActive();
	}

	/**
	 * Invalidate when the current transaction commits.
	 * @param flusher carries out the batch
	 * @param batch the invalidations
	 */
	static void afterCommit(Consumer<InvalidationBatch> flusher, InvalidationBatch batch) {
		current(flusher).afterCommit.addAll(batch);
	}

	/**
	 * Invalidate when the current transaction completes, whether it commits or rolls back.
	 * @param flusher carries out the batch
	 * @param batch the invalidations
	 */
	static void afterCompletion(Consumer<InvalidationBatch> flusher, InvalidationBatch batch) {
		current(flusher).afterCompletion.addAll(batch);
	}

	/**
	 * Return a consumer, for a result that completes later (maybe on another thread), that invalidates once both
	 * the result is there and the current transaction has committed, and never if it rolled back.
	 * @param flusher carries out the batch
	 * @return the consumer to call with the result's invalidations
	 */
	static Consumer<InvalidationBatch> afterCommitOfLaterResult(Consumer<InvalidationBatch> flusher) {
		LaterResult later = new LaterResult(flusher);
		TransactionSynchronizationManager.registerSynchronization(later);
		return later;
	}

	/**
	 * Return whether a method called by an advisor outside the transaction interceptor has run in a transaction of
	 * its own, which has therefore completed when the method returns to the advisor: {@code REQUIRES_NEW} and
	 * {@code NOT_SUPPORTED} always, any other transactional method when the caller has no transaction.
	 * @param beanFactory where the transaction attribute source is
	 * @param method the method
	 * @param targetClass the target class
	 * @param callerTransaction whether a transaction was active when the method was called
	 * @return whether the method's writes were committed (or rolled back) before it returned
	 */
	static boolean ranInItsOwnTransaction(BeanFactory beanFactory, Method method, Class<?> targetClass,
			boolean callerTransaction) {
		TransactionAttribute attribute = attribute(beanFactory, method, targetClass);
		if (attribute == null) {
			return false;
		}
		int propagation = attribute.getPropagationBehavior();
		if (propagation == TransactionDefinition.PROPAGATION_REQUIRES_NEW
				|| propagation == TransactionDefinition.PROPAGATION_NOT_SUPPORTED) {
			return true;
		}
		return !callerTransaction && propagation != TransactionDefinition.PROPAGATION_NEVER;
	}

	/**
	 * Return whether a method that {@link #ranInItsOwnTransaction ran in a transaction of its own} and threw has
	 * committed that transaction nevertheless: it had a real transaction ({@code REQUIRES_NEW}, or
	 * {@code REQUIRED}/{@code NESTED} without a caller's), and its rollback rules do not roll back for what it threw
	 * (by default only unchecked exceptions and errors roll back). A transaction marked rollback-only by the method
	 * itself also counts as committed here: that errs on the side of invalidating.
	 * @param beanFactory where the transaction attribute source is
	 * @param method the method
	 * @param targetClass the target class
	 * @param callerTransaction whether a transaction was active when the method was called
	 * @param thrown what the method threw
	 * @return whether its writes were committed
	 */
	static boolean committedDespite(BeanFactory beanFactory, Method method, Class<?> targetClass,
			boolean callerTransaction, Throwable thrown) {
		TransactionAttribute attribute = attribute(beanFactory, method, targetClass);
		if (attribute == null) {
			return false;
		}
		int propagation = attribute.getPropagationBehavior();
		boolean ownTransaction = propagation == TransactionDefinition.PROPAGATION_REQUIRES_NEW
				|| !callerTransaction && (propagation == TransactionDefinition.PROPAGATION_REQUIRED
						|| propagation == TransactionDefinition.PROPAGATION_NESTED);
		return ownTransaction && !attribute.rollbackOn(thrown);
	}

	private static @Nullable TransactionAttribute attribute(BeanFactory beanFactory, Method method,
			Class<?> targetClass) {
		TransactionAttributeSource source = beanFactory.getBeanProvider(TransactionAttributeSource.class)
			.getIfUnique();
		return (source != null) ? source.getTransactionAttribute(method, targetClass) : null;
	}

	private static Deferred current(Consumer<InvalidationBatch> flusher) {
		for (TransactionSynchronization synchronization : TransactionSynchronizationManager.getSynchronizations()) {
			if (synchronization instanceof Deferred deferred && deferred.flusher == flusher) {
				return deferred;
			}
		}
		Deferred deferred = new Deferred(flusher);
		TransactionSynchronizationManager.registerSynchronization(deferred);
		return deferred;
	}

	/** The invalidations of one transaction; only touched by the transaction's thread. */
	private static final class Deferred implements TransactionSynchronization {

		private final Consumer<InvalidationBatch> flusher;

		private final InvalidationBatch afterCommit = new InvalidationBatch();

		private final InvalidationBatch afterCompletion = new InvalidationBatch();

		Deferred(Consumer<InvalidationBatch> flusher) {
			this.flusher = flusher;
		}

		@Override
		public void afterCompletion(int status) {
			InvalidationBatch batch = new InvalidationBatch();
			batch.addAll(this.afterCompletion);
			if (status != STATUS_ROLLED_BACK) {
				batch.addAll(this.afterCommit);
			}
			if (!batch.isEmpty()) {
				this.flusher.accept(batch);
			}
		}

	}

	/** Waits for both the transaction's outcome and a later result's invalidations, whichever comes last. */
	private static final class LaterResult implements TransactionSynchronization, Consumer<InvalidationBatch> {

		private static final int PENDING = -1;

		private final Consumer<InvalidationBatch> flusher;

		private int status = PENDING;

		private @Nullable InvalidationBatch batch;

		LaterResult(Consumer<InvalidationBatch> flusher) {
			this.flusher = flusher;
		}

		@Override
		public void accept(InvalidationBatch resultBatch) {
			int outcome;
			synchronized (this) {
				outcome = this.status;
				if (outcome == PENDING) {
					// A Mono subscribed twice completes twice: keep both.
					if (this.batch == null) {
						this.batch = new InvalidationBatch();
					}
					this.batch.addAll(resultBatch);
					return;
				}
			}
			if (outcome != STATUS_ROLLED_BACK) {
				this.flusher.accept(resultBatch);
			}
		}

		@Override
		public void afterCompletion(int completionStatus) {
			InvalidationBatch ready;
			synchronized (this) {
				this.status = completionStatus;
				ready = this.batch;
				this.batch = null;
			}
			if (ready != null && completionStatus != STATUS_ROLLED_BACK) {
				this.flusher.accept(ready);
			}
		}

	}

}
