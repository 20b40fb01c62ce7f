package dev.nearcache.audit;

import java.lang.annotation.Annotation;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ReflectionUtils;

/**
 * Decides how a cached value and a fresh one are compared, in this order: the cache's own comparator
 * ({@code nearcache.caches.<name>.audit.comparator}); {@code equals} where the value's class defines it, except for
 * JPA entities (an id-based {@code equals} would hide every change) and collections and maps (whose
 * {@code equals} is only as good as their elements'); the application's {@link CacheValueComparator} otherwise
 * (JSON trees by default).
 */
final class ValueComparison {

	private static final String[] ENTITY_ANNOTATIONS = { "jakarta.persistence.Entity", "javax.persistence.Entity" };

	private final CacheValueComparator applicationComparator;

	private final Function<String, CacheValueComparator> namedComparators;

	ValueComparison(CacheValueComparator applicationComparator,
			Function<String, CacheValueComparator> namedComparators) {
		this.applicationComparator = applicationComparator;
		this.namedComparators = namedComparators;
	}

	boolean same(CacheAuditPolicy policy, @Nullable Object cached, @Nullable Object fresh) throws Exception {
		if (policy.comparator() != null) {
			return this.namedComparators.apply(policy.comparator()).same(cached, fresh);
		}
		if (cached == null || fresh == null) {
			return cached == fresh;
		}
		if (equalsIsMeaningful(cached.getClass())) {
			return Objects.equals(cached, fresh);
		}
		return this.applicationComparator.same(cached, fresh);
	}

	/**
	 * Return why values of a type cannot be compared with {@code equals}, for the startup WARN.
	 * @param type the declared value type
	 * @return the reason, or {@code null} when {@code equals} serves (or the type says too little to tell)
	 */
	static @Nullable String whyNotEquals(Class<?> type) {
		if (type.isInterface() || type.isPrimitive() || type.isArray() || type == Object.class
				|| java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
			return null;
		}
		if (isEntity(type)) {
			return "is a JPA entity (its equals compares ids, which would hide every change)";
		}
		if (!definesEquals(type)) {
			return "has no equals of its own (identity equals: a fresh copy never equals the cached one)";
		}
		return null;
	}

	private static boolean equalsIsMeaningful(Class<?> type) {
		return definesEquals(type) && !isEntity(type) && !Collection.class.isAssignableFrom(type)
				&& !Map.class.isAssignableFrom(type);
	}

	private static boolean definesEquals(Class<?> type) {
		var equals = ReflectionUtils.findMethod(type, "equals", Object.class);
		return equals != null && equals.getDeclaringClass() != Object.class;
	}

	static boolean isEntity(Class<?> type) {
		for (Class<?> current = type; current != null && current != Object.class; current = current.getSuperclass()) {
			for (Annotation annotation : current.getDeclaredAnnotations()) {
				String name = annotation.annotationType().getName();
				for (String entity : ENTITY_ANNOTATIONS) {
					if (entity.equals(name)) {
						return true;
					}
				}
			}
		}
		return false;
	}

}
