package dev.nearcache.annotation;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What {@link CacheInvalidate} expressions reflect on, for a native image: the getters of
 * {@link ExpressionRootObject}, which SpEL calls for {@code #root.methodName}, {@code #root.args} and the rest.
 * The annotated methods themselves are registered through {@code @Reflective} on the annotation; the types an
 * expression navigates ({@code #product.id}) are the application's, as with Spring's {@code @Cacheable}.
 */
class CacheInvalidateRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		hints.reflection().registerType(ExpressionRootObject.class, MemberCategory.INVOKE_PUBLIC_METHODS);
	}

}
