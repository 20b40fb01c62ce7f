package dev.nearcache.annotation;

import java.lang.reflect.Method;
import java.util.function.Supplier;

import org.aopalliance.aop.Advice;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.ClassFilter;
import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.StaticMethodMatcherPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.core.Ordered;

/**
 * Applies {@link CacheInvalidate} through Spring's proxy-based AOP (no AspectJ weaving): matches every method that
 * carries the annotation (directly, inherited, on its class or through a meta-annotation).
 * <p>
 * <b>Order.</b> By default one step outside Spring's transaction advisor. When {@code @Transactional} and
 * {@code @CacheInvalidate} are on the same method, the method's transaction has then committed when it returns to
 * this advisor, which invalidates at once; when the method joins a caller's transaction, that transaction is still
 * active on return and the invalidation is deferred to its end. A method that runs in a transaction of its own
 * inside a caller's ({@code REQUIRES_NEW}, {@code NOT_SUPPORTED}) is recognised from its transaction attribute and
 * invalidates at once too. Ordered inside the transaction interceptor ({@link #setOrder}), the advisor always
 * defers to the transaction active on return, which is then the method's own. Both give after-commit; the order
 * only decides whether a key expression that fails after the call can still roll back the method's own
 * transaction (inside) or not (outside, the default, which also works with transaction managers that do not
 * synchronize).
 */
public class CacheInvalidateAdvisor extends AbstractPointcutAdvisor {

	private final CacheInvalidateOperationSource operationSource = new CacheInvalidateOperationSource();

	private final CacheInvalidateInterceptor interceptor;

	private final Supplier<Integer> transactionAdvisorOrder;

	private final Pointcut pointcut = new InvalidatingMethodPointcut();

	private @Nullable Integer order;

	/**
	 * Create the advisor.
	 * @param beanFactory where the near cache manager, the invalidator, key generators and {@code @bean}
	 * references of expressions are looked up, lazily at the first call
	 * @param transactionAdvisorOrder the order of Spring's transaction advisor ({@code LOWEST_PRECEDENCE} if there
	 * is none); read when advisors are sorted
	 */
	public CacheInvalidateAdvisor(BeanFactory beanFactory, Supplier<Integer> transactionAdvisorOrder) {
		this.transactionAdvisorOrder = transactionAdvisorOrder;
		this.interceptor = new CacheInvalidateInterceptor(this.operationSource, beanFactory,
				this::isOutsideTransactionAdvisor);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

	/**
	 * Set an explicit order instead of the default, one step outside the transaction advisor.
	 * @param order the order
	 */
	@Override
	public void setOrder(int order) {
		this.order = order;
	}

	/**
	 * Return the {@link #setOrder explicit} order, else one step outside the transaction advisor.
	 * @return the order
	 */
	@Override
	public int getOrder() {
		if (this.order != null) {
			return this.order;
		}
		int transactionOrder = this.transactionAdvisorOrder.get();
		return (transactionOrder == Ordered.HIGHEST_PRECEDENCE) ? transactionOrder : transactionOrder - 1;
	}

	/** Lower order, higher precedence: the outer of the two advisors on a method that has both. */
	private boolean isOutsideTransactionAdvisor() {
		return getOrder() < this.transactionAdvisorOrder.get();
	}

	private final class InvalidatingMethodPointcut extends StaticMethodMatcherPointcut {

		@Override
		public ClassFilter getClassFilter() {
			return CacheInvalidateAdvisor.this.operationSource::isCandidateClass;
		}

		@Override
		public boolean matches(Method method, Class<?> targetClass) {
			return !CacheInvalidateAdvisor.this.operationSource.operations(method, targetClass).isEmpty();
		}

	}

}
