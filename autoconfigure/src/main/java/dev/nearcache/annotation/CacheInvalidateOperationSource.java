package dev.nearcache.annotation;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.cache.annotation.CacheConfig;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.annotation.RepeatableContainers;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Reads the {@link CacheInvalidate} annotations that apply to a method, once per method and target class.
 * <p>
 * Lookup follows Spring's cache annotations: the most specific method first (with the methods it overrides or
 * implements, in superclasses and interfaces), then its class (with its superclasses and interfaces; public methods
 * only, except those of {@code Object}); annotations declared directly on a method or class win over inherited
 * ones. Meta-annotations and repeated annotations are found everywhere. A class's {@code @CacheConfig} supplies
 * default cache names and key generator.
 * <p>
 * Everything that can be checked without a call is checked here, when the pointcut first matches the method (at
 * startup, while the bean is proxied): contradicting attributes, missing cache names, SpEL syntax.
 */
final class CacheInvalidateOperationSource {

	private static final List<CacheInvalidateOperation> NONE = List.of();

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private final Map<MethodClassKey, List<CacheInvalidateOperation>> operations = new ConcurrentHashMap<>(256);

	/**
	 * Return whether a class may carry the annotation at all (a quick filter before looking at its methods).
	 * @param targetClass the class
	 * @return {@code false} if no method of the class can be annotated
	 */
	boolean isCandidateClass(Class<?> targetClass) {
		return AnnotationUtils.isCandidateClass(targetClass, CacheInvalidate.class);
	}

	/**
	 * Return the operations that apply to a method.
	 * @param method the invoked method (possibly an interface method)
	 * @param targetClass the target class, or {@code null} if unknown
	 * @return the operations, empty if none
	 * @throws CacheInvalidateException if an annotation is invalid
	 */
	List<CacheInvalidateOperation> operations(Method method, @Nullable Class<?> targetClass) {
		if (method.getDeclaringClass() == Object.class) {
			return NONE;
		}
		MethodClassKey cacheKey = new MethodClassKey(method, targetClass);
		List<CacheInvalidateOperation> cached = this.operations.get(cacheKey);
		if (cached == null) {
			cached = compute(method, targetClass);
			this.operations.put(cacheKey, cached);
		}
		return cached;
	}

	private List<CacheInvalidateOperation> compute(Method method, @Nullable Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		String description = describe(specific, (targetClass != null) ? targetClass : specific.getDeclaringClass());
		List<CacheInvalidateOperation> found = fromMethod(specific, description);
		if (found.isEmpty() && isClassLevelCandidate(specific)) {
			found = fromClass(specific.getDeclaringClass(), description);
		}
		if (found.isEmpty() && specific != method) {
			found = fromMethod(method, description);
			if (found.isEmpty() && isClassLevelCandidate(method)) {
				found = fromClass(method.getDeclaringClass(), description);
			}
		}
		return found.isEmpty() ? NONE : List.copyOf(found);
	}

	/** A class-level annotation applies to public user methods, not to {@code toString}, {@code equals} and the like. */
	private static boolean isClassLevelCandidate(Method method) {
		return Modifier.isPublic(method.getModifiers()) && ClassUtils.isUserLevelMethod(method)
				&& !ReflectionUtils.isObjectMethod(method);
	}

	private List<CacheInvalidateOperation> fromMethod(Method method, String description) {
		return parse(annotations(method), method.getDeclaringClass(), description);
	}

	private List<CacheInvalidateOperation> fromClass(Class<?> type, String description) {
		return parse(annotations(type), type, description);
	}

	/** Direct (and meta-) annotations win over those of overridden methods, superclasses and interfaces. */
	private static List<MergedAnnotation<CacheInvalidate>> annotations(AnnotatedElement element) {
		List<MergedAnnotation<CacheInvalidate>> local = MergedAnnotations
			.from(element, SearchStrategy.DIRECT, RepeatableContainers.standardRepeatables())
			.stream(CacheInvalidate.class)
			.toList();
		if (!local.isEmpty()) {
			return local;
		}
		return MergedAnnotations.from(element, SearchStrategy.TYPE_HIERARCHY, RepeatableContainers.standardRepeatables())
			.stream(CacheInvalidate.class)
			.toList();
	}

	private List<CacheInvalidateOperation> parse(List<MergedAnnotation<CacheInvalidate>> annotations,
			Class<?> declaringClass, String description) {
		if (annotations.isEmpty()) {
			return NONE;
		}
		MergedAnnotation<CacheConfig> config = MergedAnnotations.from(declaringClass, SearchStrategy.TYPE_HIERARCHY)
			.get(CacheConfig.class);
		List<CacheInvalidateOperation> parsed = new ArrayList<>(annotations.size());
		for (MergedAnnotation<CacheInvalidate> annotation : annotations) {
			parsed.add(parse(annotation, config, description));
		}
		return parsed;
	}

	private CacheInvalidateOperation parse(MergedAnnotation<CacheInvalidate> annotation,
			MergedAnnotation<CacheConfig> config, String description) {
		List<String> cacheNames = List.of(annotation.getStringArray("cacheNames"));
		if (cacheNames.isEmpty() && config.isPresent()) {
			cacheNames = List.of(config.getStringArray("cacheNames"));
		}
		String keyGenerator = annotation.getString("keyGenerator");
		if (keyGenerator.isEmpty() && config.isPresent()) {
			keyGenerator = config.getString("keyGenerator");
		}
		String key = annotation.getString("key");
		String keys = annotation.getString("keys");
		boolean allEntries = annotation.getBoolean("allEntries");
		String unless = annotation.getString("unless");
		boolean beforeInvocation = annotation.getBoolean("beforeInvocation");
		boolean immediately = annotation.getBoolean("immediately");
		String at = "@CacheInvalidate on " + description + ": ";
		if (cacheNames.isEmpty() || cacheNames.stream().anyMatch((name) -> !StringUtils.hasText(name))) {
			throw new CacheInvalidateException(at + "no cache name; set cacheNames, or @CacheConfig(cacheNames) on "
					+ "the class");
		}
		if (StringUtils.hasText(key) && StringUtils.hasText(keys)) {
			throw new CacheInvalidateException(at + "key and keys are exclusive; use keys for several keys");
		}
		boolean explicitKey = StringUtils.hasText(key) || StringUtils.hasText(keys);
		if (explicitKey && StringUtils.hasText(annotation.getString("keyGenerator"))) {
			throw new CacheInvalidateException(at + "key/keys and keyGenerator are exclusive");
		}
		if (allEntries && (explicitKey || StringUtils.hasText(annotation.getString("keyGenerator")))) {
			throw new CacheInvalidateException(at + "allEntries clears whole caches; it takes no key, keys or "
					+ "keyGenerator");
		}
		if (beforeInvocation && StringUtils.hasText(unless)) {
			throw new CacheInvalidateException(at + "unless needs the result, which does not exist before the "
					+ "invocation; use condition with beforeInvocation");
		}
		if (beforeInvocation && immediately) {
			throw new CacheInvalidateException(at + "beforeInvocation already invalidates immediately; drop "
					+ "immediately");
		}
		return new CacheInvalidateOperation(cacheNames, expression("key", key, at), expression("keys", keys, at),
				explicitKey || allEntries ? "" : keyGenerator, allEntries,
				expression("condition", annotation.getString("condition"), at), expression("unless", unless, at),
				beforeInvocation, immediately);
	}

	private @Nullable InvalidationExpression expression(String attribute, String text, String at) {
		if (!StringUtils.hasText(text)) {
			return null;
		}
		try {
			return new InvalidationExpression(attribute, text, this.parser.parseExpression(text));
		}
		catch (ParseException ex) {
			throw new CacheInvalidateException(at + "cannot parse " + attribute + " = \"" + text + "\": "
					+ ex.getMessage(), ex);
		}
	}

	/**
	 * Describe a method for messages: {@code ProductService.update(Product)}.
	 * @param method the method
	 * @param targetClass the class it is called on
	 * @return the description
	 */
	static String describe(Method method, Class<?> targetClass) {
		StringBuilder description = new StringBuilder(ClassUtils.getShortName(ClassUtils.getUserClass(targetClass)))
			.append('.')
			.append(method.getName())
			.append('(');
		Class<?>[] parameterTypes = method.getParameterTypes();
		for (int i = 0; i < parameterTypes.length; i++) {
			description.append((i > 0) ? ", " : "").append(parameterTypes[i].getSimpleName());
		}
		return description.append(')').toString();
	}

}
