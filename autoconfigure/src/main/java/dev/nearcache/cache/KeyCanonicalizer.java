package dev.nearcache.cache;

import java.lang.reflect.Field;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.util.ReflectionUtils;

/**
 * The one place that defines the canonical string form of a cache key, the form keys take on the wire.
 * <p>
 * Forms: {@code String} as is; {@code Long}, {@code Integer}, {@code Short}, {@code Byte} and
 * {@code BigInteger} in decimal; {@code UUID} in lower case; enums by {@code name()}; {@code Boolean} as
 * {@code true}/{@code false}; {@code Character} as a one-character string; Spring's {@link SimpleKey} (the key
 * of multi-argument methods) as a JSON array of its elements' forms, each a JSON string or {@code null}, e.g.
 * {@code ["42","eu"]}. Types with a {@link CacheKeyConverter} use its form; types listed as "to-string types"
 * use {@code toString()}. Everything else is rejected with {@link UnsupportedCacheKeyException}.
 * <p>
 * Different keys may share a form ({@code 42L}, {@code 42} and {@code "42"} are all {@code 42}); an
 * invalidation of that form evicts all of them, which errs on the side of evicting too much, never too little.
 */
public final class KeyCanonicalizer {

	/** {@link SimpleKey}'s elements, read reflectively (hinted for native images by {@link CacheKeyRuntimeHints}). */
	static final @Nullable Field SIMPLE_KEY_PARAMS = simpleKeyParams();

	private final List<CacheKeyConverter<?>> converters;

	private final Set<Class<?>> toStringTypes;

	/**
	 * Create a canonicalizer that knows only the built-in forms.
	 */
	public KeyCanonicalizer() {
		this(List.of(), Set.of());
	}

	/**
	 * Create a canonicalizer.
	 * @param converters converters for additional key types, consulted before {@code toStringTypes}
	 * @param toStringTypes types whose {@code toString()} the user declared deterministic
	 */
	public KeyCanonicalizer(Collection<? extends CacheKeyConverter<?>> converters, Set<Class<?>> toStringTypes) {
		this.converters = List.copyOf(converters);
		this.toStringTypes = Set.copyOf(toStringTypes);
	}

	/**
	 * Return the canonical form of a key.
	 * @param key the key
	 * @return the canonical form
	 * @throws UnsupportedCacheKeyException if the key's type has no canonical form
	 */
	public String canonicalize(Object key) {
		String form = canonicalizeOrNull(key);
		if (form == null) {
			throw new UnsupportedCacheKeyException(unsupportedType(key));
		}
		return form;
	}

	/** The type to name in the error: for a composite key, its first element without a form. */
	private Class<?> unsupportedType(Object key) {
		if (key instanceof SimpleKey simpleKey && SIMPLE_KEY_PARAMS != null
				&& ReflectionUtils.getField(SIMPLE_KEY_PARAMS, simpleKey) instanceof Object[] params) {
			for (Object param : params) {
				if (param != null && canonicalizeOrNull(param) == null) {
					return unsupportedType(param);
				}
			}
		}
		return key.getClass();
	}

	/**
	 * Return whether keys of the given type have a canonical form.
	 * @param keyType the key type
	 * @return whether {@link #canonicalize} accepts its instances
	 */
	public boolean supports(Class<?> keyType) {
		return isExpandable(keyType) || keyType == SimpleKey.class && SIMPLE_KEY_PARAMS != null
				|| converterFor(keyType) != null || this.toStringTypes.contains(keyType);
	}

	/**
	 * Return whether a canonical form can be turned back into a key of the given type with {@link #parse}. Keys
	 * of other types need a reverse index to be found from their form.
	 * @param keyType the key type
	 * @return whether the type can be parsed from its canonical form
	 */
	public boolean isExpandable(Class<?> keyType) {
		return keyType == String.class || keyType == Long.class || keyType == Integer.class
				|| keyType == Short.class || keyType == Byte.class || keyType == BigInteger.class
				|| keyType == UUID.class || keyType == Boolean.class || keyType == Character.class
				|| Enum.class.isAssignableFrom(keyType);
	}

	/**
	 * Turn a canonical form back into a key of an {@link #isExpandable expandable} type.
	 * @param canonical the canonical form
	 * @param keyType the wanted key type
	 * @return the key whose canonical form is exactly {@code canonical}, or {@code null} if there is none
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	public @Nullable Object parse(String canonical, Class<?> keyType) {
		Object key;
		try {
			if (keyType == String.class) {
				return canonical;
			}
			if (keyType == Long.class) {
				key = Long.valueOf(canonical);
			}
			else if (keyType == Integer.class) {
				key = Integer.valueOf(canonical);
			}
			else if (keyType == Short.class) {
				key = Short.valueOf(canonical);
			}
			else if (keyType == Byte.class) {
				key = Byte.valueOf(canonical);
			}
			else if (keyType == BigInteger.class) {
				key = (canonical.length() <= 1000) ? new BigInteger(canonical) : null;
			}
			else if (keyType == UUID.class) {
				key = UUID.fromString(canonical);
			}
			else if (keyType == Boolean.class) {
				key = "true".equals(canonical) ? Boolean.TRUE : "false".equals(canonical) ? Boolean.FALSE : null;
			}
			else if (keyType == Character.class) {
				key = (canonical.length() == 1) ? canonical.charAt(0) : null;
			}
			else if (Enum.class.isAssignableFrom(keyType)) {
				Class<?> enumType = keyType.isEnum() ? keyType : keyType.getSuperclass();
				key = Enum.valueOf((Class) enumType, canonical);
			}
			else {
				return null;
			}
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		// "042" parses as 42, whose form is "42": only an exact round trip is the same key.
		return (key != null && canonical.equals(canonicalizeOrNull(key))) ? key : null;
	}

	/**
	 * Return the type whose class-set a key belongs to: the declaring enum for enum constants with bodies.
	 * @param key the key
	 * @return the key's type for canonical purposes
	 */
	static Class<?> keyType(Object key) {
		return (key instanceof Enum<?> constant) ? constant.getDeclaringClass() : key.getClass();
	}

	@Nullable String canonicalizeOrNull(Object key) {
		if (key instanceof String string) {
			return string;
		}
		if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte
				|| key instanceof BigInteger || key instanceof Boolean || key instanceof Character) {
			return key.toString();
		}
		if (key instanceof UUID uuid) {
			return uuid.toString().toLowerCase(Locale.ROOT);
		}
		if (key instanceof Enum<?> constant) {
			return constant.name();
		}
		if (key instanceof SimpleKey simpleKey) {
			return canonicalizeSimpleKey(simpleKey);
		}
		CacheKeyConverter<?> converter = converterFor(key.getClass());
		if (converter != null) {
			return convert(converter, key);
		}
		if (this.toStringTypes.contains(key.getClass())) {
			return key.toString();
		}
		return null;
	}

	private @Nullable String canonicalizeSimpleKey(SimpleKey simpleKey) {
		if (SIMPLE_KEY_PARAMS == null) {
			return null;
		}
		Object[] params = (Object[]) ReflectionUtils.getField(SIMPLE_KEY_PARAMS, simpleKey);
		if (params == null) {
			return null;
		}
		List<@Nullable String> elements = new ArrayList<>(params.length);
		for (Object param : params) {
			if (param == null) {
				elements.add(null);
				continue;
			}
			String element = canonicalizeOrNull(param);
			if (element == null) {
				return null;
			}
			elements.add(element);
		}
		return JsonStrings.array(elements);
	}

	@SuppressWarnings("unchecked")
	private static <K> String convert(CacheKeyConverter<K> converter, Object key) {
		return converter.toCanonicalString((K) key);
	}

	private @Nullable CacheKeyConverter<?> converterFor(Class<?> keyType) {
		for (CacheKeyConverter<?> converter : this.converters) {
			if (converter.keyType().isAssignableFrom(keyType)) {
				return converter;
			}
		}
		return null;
	}

	private static @Nullable Field simpleKeyParams() {
		try {
			Field field = SimpleKey.class.getDeclaredField("params");
			field.setAccessible(true);
			return field;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null;
		}
	}

}
