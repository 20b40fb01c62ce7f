package dev.nearcache.autoconfigure;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.PropertyResolver;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when {@code spring.cache.type} is not set. Any value of it, {@code none} included, asks for one of
 * Spring Boot's own cache managers: nearcache cannot take part in that choice (Boot's {@code CacheType} is a
 * fixed enum), so it backs off and lets Boot's {@code CacheAutoConfiguration}, which runs after it, build the
 * requested manager.
 */
class SpringCacheTypeCondition extends SpringBootCondition {

	static final String PROPERTY = "spring.cache.type";

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		String type = requestedType(context.getEnvironment());
		if (type != null) {
			return ConditionOutcome.noMatch(PROPERTY + "=" + type + " asks for Spring Boot's cache manager");
		}
		return ConditionOutcome.match(PROPERTY + " is not set");
	}

	/**
	 * Return the cache type the application asked Spring Boot for.
	 * @param properties the environment
	 * @return the value of {@code spring.cache.type}, or {@code null} if not set
	 */
	static @Nullable String requestedType(PropertyResolver properties) {
		String type = properties.getProperty(PROPERTY);
		return StringUtils.hasText(type) ? type.trim() : null;
	}

}
