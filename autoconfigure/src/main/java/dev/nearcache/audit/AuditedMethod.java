package dev.nearcache.audit;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.cache.interceptor.CacheableOperation;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ObjectUtils;
import org.springframework.util.StringUtils;

import dev.nearcache.annotation.ExpressionRootObject;

/**
 * One audited {@code @Cacheable} method: the caches its hits may come from, their share of sampled hits, and the
 * key Spring's cache interceptor computes for a call — the same {@code key} expression or key generator, so that
 * the audit looks at the entry the hit came from.
 */
final class AuditedMethod {

	private static final ParameterNameDiscoverer PARAMETER_NAMES = new DefaultParameterNameDiscoverer();

	private static final SpelExpressionParser PARSER = new SpelExpressionParser();

	private final Method method;

	private final Method targetMethod;

	private final Class<?> targetClass;

	private final List<String> cacheNames;

	private final double sampleRate;

	private final @Nullable Expression key;

	private final String keyGeneratorName;

	private final String description;

	AuditedMethod(Method method, Class<?> targetClass, CacheableOperation operation, List<String> cacheNames,
			double sampleRate) {
		this.method = BridgeMethodResolver.findBridgedMethod(method);
		this.targetClass = targetClass;
		this.targetMethod = Proxy.isProxyClass(targetClass) ? this.method
				: AopUtils.getMostSpecificMethod(this.method, targetClass);
		this.cacheNames = cacheNames;
		this.sampleRate = sampleRate;
		this.key = StringUtils.hasText(operation.getKey()) ? PARSER.parseExpression(operation.getKey()) : null;
		this.keyGeneratorName = operation.getKeyGenerator();
		this.description = targetClass.getSimpleName() + "." + method.getName();
	}

	double sampleRate() {
		return this.sampleRate;
	}

	List<String> cacheNames() {
		return this.cacheNames;
	}

	Method method() {
		return this.method;
	}

	/** @return the method for log messages, e.g. {@code ProductService.find} */
	String description() {
		return this.description;
	}

	/**
	 * Compute the cache key of a call as Spring's cache interceptor does.
	 * @param target the target object
	 * @param args the arguments
	 * @param keyGenerators the key generators by bean name ({@code ""}: the interceptor's default)
	 * @param beanResolver resolves {@code @beanName} references in the expression
	 * @return the key
	 */
	@Nullable Object key(@Nullable Object target, @Nullable Object[] callArgs, KeyGenerators keyGenerators,
			BeanFactoryResolver beanResolver) {
		@Nullable Object[] args = flattenVarargs(this.method, callArgs);
		if (this.key == null) {
			return keyGenerators.get(this.keyGeneratorName).generate(target, this.method, args);
		}
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(
				new ExpressionRootObject(this.method, args, target, this.targetClass), this.targetMethod, args,
				PARAMETER_NAMES);
		context.setBeanResolver(beanResolver);
		return this.key.getValue(context);
	}

	/** The key generators a method may name. */
	interface KeyGenerators {

		KeyGenerator get(String beanName);

	}

	/** As Spring's cache interceptor passes them: the elements of a varargs array as arguments of their own. */
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

}
