package dev.nearcache.cache;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * What {@link KeyCanonicalizer} reflects on, for a native image: {@link SimpleKey}'s private elements field, the
 * key of every multi-argument {@code @Cacheable} method. Without this hint the field cannot be read there, and
 * every such key would be refused as unsupported.
 * <p>
 * Types named in {@code nearcache.keys.to-string-types} are loaded by name too; they are registered from the
 * configuration the build sees ({@code dev.nearcache.autoconfigure.ToStringKeyTypesAotProcessor}), and those named
 * only at run time by the application (docs/aot.md).
 */
class CacheKeyRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		if (KeyCanonicalizer.SIMPLE_KEY_PARAMS != null) {
			hints.reflection().registerField(KeyCanonicalizer.SIMPLE_KEY_PARAMS);
		}
	}

}
