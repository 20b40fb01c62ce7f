package dev.nearcache.autoconfigure;

import java.util.LinkedHashSet;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Registers the key types named in {@code nearcache.keys.to-string-types} at build time for a native image, where
 * {@code nearcache.keys.to-string-types} is read to load them by name when the application starts.
 * <p>
 * Only the value the build sees (application.yml, the profiles active during AOT processing) can be registered: a
 * type named only at run time (an environment variable of the deployment) must be registered by the application,
 * e.g. with {@code @RegisterReflection(classes = ProductKey.class)}. Names that do not resolve at build time are
 * left to the startup check, which fails with a message naming the property.
 */
class ToStringKeyTypesAotProcessor implements BeanFactoryInitializationAotProcessor {

	@Override
	public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
			ConfigurableListableBeanFactory beanFactory) {
		Environment environment = beanFactory.getBeanProvider(Environment.class).getIfAvailable();
		if (environment == null) {
			return null;
		}
		NearCacheProperties.Keys keys = Binder.get(environment)
			.bind("nearcache.keys", Bindable.of(NearCacheProperties.Keys.class))
			.orElse(null);
		if (keys == null) {
			return null;
		}
		Set<Class<?>> types = new LinkedHashSet<>();
		for (String name : keys.getToStringTypes()) {
			try {
				types.add(ClassUtils.forName(name, beanFactory.getBeanClassLoader()));
			}
			catch (ClassNotFoundException | LinkageError ex) {
				// Reported, with the fix, when the application starts (NearCacheManagerConfiguration).
			}
		}
		if (types.isEmpty()) {
			return null;
		}
		return (generationContext, code) -> types
			.forEach((type) -> generationContext.getRuntimeHints().reflection().registerType(type));
	}

}
