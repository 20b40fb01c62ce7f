package dev.nearcache.annotation;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

/**
 * The {@code #root} of nearcache's own expressions — {@link CacheInvalidate} keys and conditions, and the
 * {@code @Cacheable} keys the stale-read audit evaluates again — with the properties of Spring's cache expression
 * root object but {@code caches}: {@code method}, {@code methodName}, {@code args}, {@code target},
 * {@code targetClass}. Registered for reflection by {@link CacheInvalidateRuntimeHints}.
 */
public final class ExpressionRootObject {

	private final Method method;

	private final @Nullable Object[] args;

	private final @Nullable Object target;

	private final Class<?> targetClass;

	/**
	 * Describe one call.
	 * @param method the invoked method
	 * @param args its arguments
	 * @param target the target object
	 * @param targetClass the target class
	 */
	public ExpressionRootObject(Method method, @Nullable Object[] args, @Nullable Object target, Class<?> targetClass) {
		this.method = method;
		this.args = args;
		this.target = target;
		this.targetClass = targetClass;
	}

	/** @return the invoked method */
	public Method getMethod() {
		return this.method;
	}

	/** @return the invoked method's name */
	public String getMethodName() {
		return this.method.getName();
	}

	/** @return the arguments, varargs flattened */
	public @Nullable Object[] getArgs() {
		return this.args;
	}

	/** @return the target object */
	public @Nullable Object getTarget() {
		return this.target;
	}

	/** @return the target class */
	public Class<?> getTargetClass() {
		return this.targetClass;
	}

}
