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
 * Types named in {@code nearcache.keys.to-string-types} are loaded by name, but they are the application's: only
 * the application can register them (see docs/configuration.md, "Ahead-of-time processing and native images").
 */
class CacheKeyRuntimeHints implements RuntimeHintsRegistrar {

	@Override
	public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
		if (KeyCanonicalizer.SIMPLE_KEY_PARAMS != null) {
			hints.reflection().registerField(KeyCanonicalizer.SIMPLE_KEY_PARAMS);
		}
	}

}
