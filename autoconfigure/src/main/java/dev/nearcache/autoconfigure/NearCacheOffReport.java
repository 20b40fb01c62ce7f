package dev.nearcache.autoconfigure;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

import dev.nearcache.annotation.CacheInvalidate;
import dev.nearcache.cache.NearCacheManager;

/**
 * Says once at startup why nearcache is off when the starter is on the classpath but no {@link NearCacheManager}
 * was created, and what that means for {@link CacheInvalidate @CacheInvalidate} methods: they run without
 * invalidating anything. That is a WARN when caching was not enabled (most likely a missing
 * {@code @EnableCaching}: the other instances' caches would silently stay stale), an INFO otherwise (the
 * application chose another cache manager on purpose).
 */
class NearCacheOffReport implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(NearCacheOffReport.class);

	private static final String CACHING_NOT_ENABLED = "caching is not enabled (no @EnableCaching)";

	private final ConfigurableListableBeanFactory beanFactory;

	private final Environment environment;

	NearCacheOffReport(ConfigurableListableBeanFactory beanFactory, Environment environment) {
		this.beanFactory = beanFactory;
		this.environment = environment;
	}

	@Override
	public void afterSingletonsInstantiated() {
		String reason = reason();
		String annotated = firstCacheInvalidateMethod();
		String consequence = (annotated != null) ? "; @CacheInvalidate methods (such as " + annotated
				+ ") run without invalidating any cache" : "";
		if (reason == CACHING_NOT_ENABLED && annotated != null) {
			logger.warn("nearcache: off because " + reason + consequence
					+ ", on this instance and on every other. Add @EnableCaching to a @Configuration class.");
		}
		else if (logger.isInfoEnabled()) {
			logger.info("nearcache: off because " + reason + consequence + ".");
		}
	}

	private String reason() {
		if (!this.environment.getProperty("nearcache.enabled", "true").equals("true")) {
			return "nearcache.enabled=false";
		}
		String type = SpringCacheTypeCondition.requestedType(this.environment);
		if (type != null) {
			return SpringCacheTypeCondition.PROPERTY + "=" + type
					+ " selects one of Spring Boot's cache managers (unset it to use nearcache)";
		}
		if (this.beanFactory.getBeanNamesForType(CacheAspectSupport.class, true, false).length == 0) {
			return CACHING_NOT_ENABLED;
		}
		String[] managers = this.beanFactory.getBeanNamesForType(CacheManager.class, true, false);
		if (managers.length > 0) {
			return "the application defines its own cache manager '" + managers[0] + "'";
		}
		return "its auto-configuration did not apply (see the condition evaluation report, --debug)";
	}

	private @Nullable String firstCacheInvalidateMethod() {
		for (String name : this.beanFactory.getBeanDefinitionNames()) {
			BeanDefinition definition = this.beanFactory.getBeanDefinition(name);
			if (definition.getRole() != BeanDefinition.ROLE_APPLICATION) {
				continue;
			}
			Class<?> type = this.beanFactory.getType(name, false);
			if (type == null) {
				continue;
			}
			String found = cacheInvalidateMethod(ClassUtils.getUserClass(type));
			if (found != null) {
				return found;
			}
		}
		return null;
	}

	private static @Nullable String cacheInvalidateMethod(Class<?> type) {
		if (!AnnotationUtils.isCandidateClass(type, CacheInvalidate.class)) {
			return null;
		}
		if (annotated(MergedAnnotations.from(type, SearchStrategy.TYPE_HIERARCHY))) {
			return type.getSimpleName();
		}
		AtomicReference<@Nullable String> found = new AtomicReference<>();
		ReflectionUtils.doWithMethods(type, (method) -> found.compareAndSet(null, describe(type, method)),
				(method) -> found.get() == null
						&& annotated(MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY)));
		return found.get();
	}

	private static boolean annotated(MergedAnnotations annotations) {
		return annotations.isPresent(CacheInvalidate.class)
				|| annotations.isPresent(dev.nearcache.annotation.CacheInvalidations.class);
	}

	private static String describe(Class<?> type, Method method) {
		return type.getSimpleName() + "." + method.getName() + "()";
	}

}
