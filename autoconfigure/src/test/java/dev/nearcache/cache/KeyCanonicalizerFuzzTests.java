package dev.nearcache.cache;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cache.interceptor.SimpleKey;

import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationMessage;

/**
 * Received key strings are hostile input for {@link KeyCanonicalizer}: whatever string arrives, expanding it into
 * candidate keys never throws, and every candidate is a key whose canonical form is exactly that string (so an
 * invalidation never evicts a key of another form, and the form of a key always finds it). Composite forms are
 * JSON arrays that a JSON parser reads back into the same elements, and every form crosses the wire unchanged.
 * <p>
 * Seed corpus: {@code KeyCanonicalizerFuzzTestsInputs/canonicalForms/}. Fuzzed with {@code -Pfuzz}.
 */
class KeyCanonicalizerFuzzTests {

	private static final List<Class<?>> EXPANDABLE = List.of(String.class, Long.class, Integer.class, Short.class,
			Byte.class, BigInteger.class, UUID.class, Boolean.class, Character.class, Thread.State.class);

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final InvalidationCodec codec = new InvalidationCodec(64 * 1024, null, null);

	private final KeyCanonicalizer canonicalizer = new KeyCanonicalizer();

	private final CacheKeys keys = cacheKeys(this.canonicalizer);

	@FuzzTest
	void canonicalForms(FuzzedDataProvider data) {
		String received = data.consumeString(512);
		for (Class<?> type : EXPANDABLE) {
			Object key = this.canonicalizer.parse(received, type);
			if (key != null && (!type.isInstance(key) || !received.equals(this.canonicalizer.canonicalize(key)))) {
				throw new AssertionError(type.getSimpleName() + " " + key + " parsed from '" + received
						+ "' does not have that form");
			}
		}
		for (Object candidate : this.keys.candidates(received)) {
			if (!received.equals(this.canonicalizer.canonicalize(candidate))) {
				throw new AssertionError("candidate " + candidate + " of '" + received + "' has another form");
			}
		}
		List<String> elements = new ArrayList<>();
		int count = data.consumeInt(0, 6);
		for (int i = 0; i < count; i++) {
			elements.add(data.consumeBoolean() ? null : data.consumeString(64));
		}
		checkComposite(elements);
		checkCrossesTheWire(received);
	}

	private void checkComposite(List<String> elements) {
		String form = this.canonicalizer.canonicalize(new SimpleKey(elements.toArray()));
		JsonNode parsed = json.readTree(form);
		if (!parsed.isArray() || parsed.size() != elements.size()) {
			throw new AssertionError("composite form " + form + " is not an array of " + elements.size());
		}
		for (int i = 0; i < elements.size(); i++) {
			JsonNode element = parsed.get(i);
			String value = element.isNull() ? null : element.stringValue();
			if (!Objects.equals(value, elements.get(i))) {
				throw new AssertionError("composite form " + form + " reads back " + value + " for " + elements.get(i));
			}
		}
	}

	private void checkCrossesTheWire(String form) {
		InvalidationMessage sent = new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "o", 1L, 0L,
				"products", List.of(form));
		InvalidationCodec.Decoded received = codec.decode(codec.encode(sent));
		if (!sent.equals(received.message())) {
			throw new AssertionError("key form '" + escaped(form) + "' did not cross the wire: " + received);
		}
	}

	private static String escaped(String text) {
		StringBuilder out = new StringBuilder();
		text.chars().forEach((c) -> out.append((c < 0x20 || c > 0x7e) ? String.format("\\u%04x", c) : (char) c));
		return out.toString();
	}

	private static CacheKeys cacheKeys(KeyCanonicalizer canonicalizer) {
		CacheKeys keys = new CacheKeys(canonicalizer, true);
		for (Object key : List.of("a", 1L, 1, (short) 1, (byte) 1, BigInteger.ONE, UUID.randomUUID(), true, 'c',
				Thread.State.NEW)) {
			keys.beforeWrite(key);
		}
		Set.of(new SimpleKey("42", "eu"), new SimpleKey(42L, null)).forEach((key) -> {
			String canonical = keys.beforeWrite(key);
			keys.add(key, canonical);
		});
		return keys;
	}

}
