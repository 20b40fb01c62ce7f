package dev.nearcache.annotation;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

/**
 * The {@code #root} of {@link CacheInvalidate} expressions, with the properties of Spring's cache expression root
 * object: {@code method}, {@code methodName}, {@code args}, {@code target}, {@code targetClass}.
 */
public final class InvalidationRootObject {

	private final Method method;

	private final @Nullable Object[] args;

	private final @Nullable Object target;

	private final Class<?> targetClass;

	InvalidationRootObject(Method method, @Nullable Object[] args, @Nullable Object target, Class<?> targetClass) {
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
