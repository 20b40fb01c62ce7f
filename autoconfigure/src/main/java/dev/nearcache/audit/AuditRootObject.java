package dev.nearcache.audit;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

/**
 * The {@code #root} of a {@code @Cacheable} key expression as the audit evaluates it, with the properties of Spring's
 * own root object but {@code caches}: {@code method}, {@code methodName}, {@code args}, {@code target},
 * {@code targetClass}.
 */
public final class AuditRootObject {

	private final Method method;

	private final @Nullable Object[] args;

	private final @Nullable Object target;

	private final Class<?> targetClass;

	AuditRootObject(Method method, @Nullable Object[] args, @Nullable Object target, Class<?> targetClass) {
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

	/** @return the arguments */
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
