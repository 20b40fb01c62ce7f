package dev.nearcache.annotation;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.EvaluationException;
import org.springframework.util.ObjectUtils;

/**
 * One intercepted call, as the expressions and key generators of {@link CacheInvalidate} see it: the same
 * method, target and arguments (varargs flattened) that Spring's cache interceptor passes to its own.
 */
final class MethodCall {

	private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

	private final Method method;

	private final Method targetMethod;

	private final Class<?> targetClass;

	private final @Nullable Object target;

	private final @Nullable Object[] args;


	MethodCall(Method method, Class<?> targetClass, @Nullable Object target, @Nullable Object[] args) {
		this.method = BridgeMethodResolver.findBridgedMethod(method);
		this.targetClass = targetClass;
		this.targetMethod = Proxy.isProxyClass(targetClass) ? this.method
				: AopUtils.getMostSpecificMethod(this.method, targetClass);
		this.target = target;
		this.args = flattenVarargs(this.method, args);
	}

	Method method() {
		return this.method;
	}

	Class<?> targetClass() {
		return this.targetClass;
	}

	@Nullable Object target() {
		return this.target;
	}

	@Nullable Object[] args() {
		return this.args;
	}

	/** @return the method for messages, e.g. {@code ProductService.update(Product)} */
	String description() {
		return CacheInvalidateOperationSource.describe(this.targetMethod, this.targetClass);
	}

	/**
	 * Create the context to evaluate expressions in.
	 * @param result the method's result; ignored if {@code resultUnavailable} is set
	 * @param resultUnavailable why {@code #result} cannot be used, or {@code null} if it can
	 * @param beanResolver resolves {@code @beanName} references
	 * @return the evaluation context
	 */
	EvaluationContext evaluationContext(@Nullable Object result, @Nullable String resultUnavailable,
			@Nullable BeanResolver beanResolver) {
		InvalidationEvaluationContext context = new InvalidationEvaluationContext(
				new ExpressionRootObject(this.method, this.args, this.target, this.targetClass), this.targetMethod,
				this.args, resultUnavailable);
		if (resultUnavailable == null) {
			context.setVariable("result", result);
		}
		if (beanResolver != null) {
			context.setBeanResolver(beanResolver);
		}
		return context;
	}

	private static @Nullable Object[] flattenVarargs(Method method, @Nullable Object[] args) {
		if (!method.isVarArgs() || args.length == 0) {
			return args;
		}
		Object[] varArgs = ObjectUtils.toObjectArray(args[args.length - 1]);
		Object[] combined = new Object[args.length - 1 + varArgs.length];
		System.arraycopy(args, 0, combined, 0, args.length - 1);
		System.arraycopy(varArgs, 0, combined, args.length - 1, varArgs.length);
		return combined;
	}

	/** Spring's method-based context, refusing {@code #result} where there is none rather than yielding null. */
	private static final class InvalidationEvaluationContext extends MethodBasedEvaluationContext {

		private final @Nullable String resultUnavailable;

		InvalidationEvaluationContext(Object rootObject, Method method, @Nullable Object[] arguments,
				@Nullable String resultUnavailable) {
			super(rootObject, method, arguments, PARAMETER_NAMES);
			this.resultUnavailable = resultUnavailable;
		}

		@Override
		public @Nullable Object lookupVariable(String name) {
			if (this.resultUnavailable != null && "result".equals(name)) {
				throw new EvaluationException("#result is not available " + this.resultUnavailable);
			}
			return super.lookupVariable(name);
		}

	}

}
