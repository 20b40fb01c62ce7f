package dev.nearcache.cache;

import java.math.BigInteger;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.cache.interceptor.SimpleKey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tests for {@link KeyCanonicalizer}: every canonical form its javadoc defines, converters, to-string types,
 * the rejection of other types, and {@link KeyCanonicalizer#parse} as the exact inverse of the forms.
 */
class KeyCanonicalizerTests {

	private final KeyCanonicalizer canonicalizer = new KeyCanonicalizer();

	// --- built-in forms ---

	@Test
	void stringIsItsOwnForm() {
		assertThat(this.canonicalizer.canonicalize("products:42")).isEqualTo("products:42");
		assertThat(this.canonicalizer.canonicalize("")).isEqualTo("");
		assertThat(this.canonicalizer.canonicalize("Ünïcødé \"quoted\"")).isEqualTo("Ünïcødé \"quoted\"");
	}

	@Test
	void integralNumbersAreDecimal() {
		assertThat(this.canonicalizer.canonicalize(42L)).isEqualTo("42");
		assertThat(this.canonicalizer.canonicalize(-42L)).isEqualTo("-42");
		assertThat(this.canonicalizer.canonicalize(Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
		assertThat(this.canonicalizer.canonicalize(42)).isEqualTo("42");
		assertThat(this.canonicalizer.canonicalize((short) 42)).isEqualTo("42");
		assertThat(this.canonicalizer.canonicalize((byte) -7)).isEqualTo("-7");
		assertThat(this.canonicalizer.canonicalize(new BigInteger("123456789012345678901234567890")))
			.isEqualTo("123456789012345678901234567890");
	}

	@Test
	void longIntegerAndStringOfSameNumberShareOneForm() {
		assertThat(this.canonicalizer.canonicalize(42L)).isEqualTo(this.canonicalizer.canonicalize(42))
			.isEqualTo(this.canonicalizer.canonicalize("42"))
			.isEqualTo(this.canonicalizer.canonicalize(BigInteger.valueOf(42)));
	}

	@Test
	void uuidIsLowerCase() {
		UUID uuid = UUID.fromString("3F2504E0-4F89-11D3-9A0C-0305E82C3301");
		assertThat(this.canonicalizer.canonicalize(uuid)).isEqualTo("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
	}

	@Test
	void enumIsItsName() {
		assertThat(this.canonicalizer.canonicalize(Color.GREEN)).isEqualTo("GREEN");
	}

	@Test
	void enumConstantWithBodyIsItsName() {
		assertThat(Color.SPECIAL.getClass()).isNotEqualTo(Color.class);
		assertThat(this.canonicalizer.canonicalize(Color.SPECIAL)).isEqualTo("SPECIAL");
	}

	@Test
	void enumNameIsUsedEvenWhenToStringIsOverridden() {
		assertThat(Color.SPECIAL.toString()).isEqualTo("special!");
		assertThat(this.canonicalizer.canonicalize(Color.SPECIAL)).isEqualTo("SPECIAL");
	}

	@Test
	void booleanIsTrueOrFalse() {
		assertThat(this.canonicalizer.canonicalize(Boolean.TRUE)).isEqualTo("true");
		assertThat(this.canonicalizer.canonicalize(Boolean.FALSE)).isEqualTo("false");
	}

	@Test
	void characterIsOneCharacterString() {
		assertThat(this.canonicalizer.canonicalize('x')).isEqualTo("x");
		assertThat(this.canonicalizer.canonicalize('"')).isEqualTo("\"");
	}

	// --- SimpleKey ---

	@Test
	void simpleKeyIsJsonArrayOfElementForms() {
		assertThat(this.canonicalizer.canonicalize(new SimpleKey(42L, "eu"))).isEqualTo("[\"42\",\"eu\"]");
		assertThat(this.canonicalizer.canonicalize(new SimpleKey(42, Color.RED, true, 'c',
				UUID.fromString("3F2504E0-4F89-11D3-9A0C-0305E82C3301"))))
			.isEqualTo("[\"42\",\"RED\",\"true\",\"c\",\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"]");
	}

	@Test
	void simpleKeyNullElementsAreJsonNull() {
		assertThat(this.canonicalizer.canonicalize(new SimpleKey(null, "eu", null)))
			.isEqualTo("[null,\"eu\",null]");
	}

	@Test
	void simpleKeyNullElementDiffersFromStringNull() {
		assertThat(this.canonicalizer.canonicalize(new SimpleKey((Object) null)))
			.isNotEqualTo(this.canonicalizer.canonicalize(new SimpleKey("null")))
			.isEqualTo("[null]");
		assertThat(this.canonicalizer.canonicalize(new SimpleKey("null"))).isEqualTo("[\"null\"]");
	}

	@Test
	void emptySimpleKeyIsEmptyJsonArray() {
		assertThat(this.canonicalizer.canonicalize(SimpleKey.EMPTY)).isEqualTo("[]");
		assertThat(this.canonicalizer.canonicalize(new SimpleKey())).isEqualTo("[]");
	}

	@Test
	void nestedSimpleKeyIsStringElementHoldingItsOwnForm() {
		SimpleKey nested = new SimpleKey(new SimpleKey(1, "a"), "b");
		assertThat(this.canonicalizer.canonicalize(nested)).isEqualTo("[\"[\\\"1\\\",\\\"a\\\"]\",\"b\"]");
	}

	@Test
	void simpleKeyEscapesQuotesAndBackslashes() {
		assertThat(this.canonicalizer.canonicalize(new SimpleKey("say \"hi\"", "C:\\dir")))
			.isEqualTo("[\"say \\\"hi\\\"\",\"C:\\\\dir\"]");
	}

	@Test
	void simpleKeyEscapesControlCharacters() {
		assertThat(this.canonicalizer.canonicalize(new SimpleKey("a\nb\rc\td\be\ff", "\u0000\u0001\u001f")))
			.isEqualTo("[\"a\\nb\\rc\\td\\be\\ff\",\"\\u0000\\u0001\\u001f\"]");
	}

	@Test
	void simpleKeyDoesNotEscapeOrdinaryCharacters() {
		assertThat(this.canonicalizer.canonicalize(new SimpleKey("é/€ \u007f", " ")))
			.isEqualTo("[\"é/€ \u007f\",\" \"]");
	}

	@Test
	void simpleKeyFormIsValidJsonThatDecodesToTheElementForms() throws Exception {
		String form = this.canonicalizer.canonicalize(new SimpleKey("q\"\\\n\u0002", null, 7L));
		List<Object> decoded = new tools.jackson.databind.json.JsonMapper().readValue(form,
				new tools.jackson.core.type.TypeReference<List<Object>>() {
				});
		assertThat(decoded).containsExactly("q\"\\\n\u0002", null, "7");
	}

	@Test
	void simpleKeyWithUnsupportedElementIsRejectedNamingTheElementType() {
		assertThatThrownBy(() -> this.canonicalizer.canonicalize(new SimpleKey("a", 1.5d)))
			.isInstanceOf(UnsupportedCacheKeyException.class)
			.hasMessageContaining(Double.class.getName());
	}

	@Test
	void simpleKeyElementsMayUseConvertersAndToStringTypes() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(new ProductKeyConverter()),
				Set.of(RegionKey.class));
		assertThat(custom.canonicalize(new SimpleKey(new ProductKey("p", 1), new RegionKey("eu"))))
			.isEqualTo("[\"product:p/1\",\"RegionKey[code=eu]\"]");
	}

	// --- converters and to-string types ---

	@Test
	void converterDefinesFormOfItsType() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(new ProductKeyConverter()), Set.of());
		assertThat(custom.canonicalize(new ProductKey("abc", 3))).isEqualTo("product:abc/3");
		assertThat(custom.supports(ProductKey.class)).isTrue();
		assertThat(custom.isExpandable(ProductKey.class)).isFalse();
	}

	@Test
	void converterAlsoHandlesSubclassesOfItsType() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(new AnimalConverter()), Set.of());
		assertThat(custom.canonicalize(new Dog("rex"))).isEqualTo("animal:rex");
		assertThat(custom.supports(Dog.class)).isTrue();
	}

	@Test
	void firstMatchingConverterWins() {
		CacheKeyConverter<Animal> other = new CacheKeyConverter<>() {

			@Override
			public Class<Animal> keyType() {
				return Animal.class;
			}

			@Override
			public String toCanonicalString(Animal key) {
				return "other:" + key.name;
			}

		};
		assertThat(new KeyCanonicalizer(List.of(new AnimalConverter(), other), Set.of()).canonicalize(new Dog("rex")))
			.isEqualTo("animal:rex");
		assertThat(new KeyCanonicalizer(List.of(other, new AnimalConverter()), Set.of()).canonicalize(new Dog("rex")))
			.isEqualTo("other:rex");
	}

	@Test
	void builtInFormsTakePrecedenceOverConverters() {
		CacheKeyConverter<String> shouting = new CacheKeyConverter<>() {

			@Override
			public Class<String> keyType() {
				return String.class;
			}

			@Override
			public String toCanonicalString(String key) {
				return key.toUpperCase();
			}

		};
		assertThat(new KeyCanonicalizer(List.of(shouting), Set.of()).canonicalize("abc")).isEqualTo("abc");
	}

	@Test
	void toStringTypeUsesToString() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(), Set.of(RegionKey.class));
		assertThat(custom.canonicalize(new RegionKey("eu"))).isEqualTo("RegionKey[code=eu]");
		assertThat(custom.supports(RegionKey.class)).isTrue();
	}

	@Test
	void toStringTypeIsExactClassNotSubclass() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(), Set.of(Animal.class));
		assertThat(custom.canonicalize(new Animal("cat"))).isEqualTo("animal cat");
		assertThatThrownBy(() -> custom.canonicalize(new Dog("rex"))).isInstanceOf(UnsupportedCacheKeyException.class);
	}

	@Test
	void converterIsConsultedBeforeToStringTypes() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(new AnimalConverter()), Set.of(Animal.class));
		assertThat(custom.canonicalize(new Animal("cat"))).isEqualTo("animal:cat");
	}

	// --- rejection ---

	@Test
	void doubleKeyIsRejectedWithMessageNamingTypeAndFix() {
		assertThatThrownBy(() -> this.canonicalizer.canonicalize(1.5d))
			.isInstanceOf(UnsupportedCacheKeyException.class)
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("java.lang.Double")
			.hasMessageContaining("CacheKeyConverter")
			.hasMessageContaining("nearcache.keys.to-string-types");
	}

	@Test
	void arbitraryClassIsRejectedWithMessageNamingTypeAndFix() {
		assertThatThrownBy(() -> this.canonicalizer.canonicalize(new RegionKey("eu")))
			.isInstanceOf(UnsupportedCacheKeyException.class)
			.hasMessageContaining(RegionKey.class.getName())
			.hasMessageContaining("register a CacheKeyConverter bean for " + RegionKey.class.getName())
			.hasMessageContaining("nearcache.keys.to-string-types");
	}

	@Test
	void unsupportedTypesHaveNoFormAndAreNotSupported() {
		assertThat(this.canonicalizer.canonicalizeOrNull(1.5d)).isNull();
		assertThat(this.canonicalizer.canonicalizeOrNull(1.5f)).isNull();
		assertThat(this.canonicalizer.canonicalizeOrNull(new Object())).isNull();
		assertThat(this.canonicalizer.supports(Double.class)).isFalse();
		assertThat(this.canonicalizer.supports(Object.class)).isFalse();
		assertThat(this.canonicalizer.supports(RegionKey.class)).isFalse();
	}

	@Test
	void builtInTypesAreSupported() {
		for (Class<?> type : List.of(String.class, Long.class, Integer.class, Short.class, Byte.class,
				BigInteger.class, UUID.class, Boolean.class, Character.class, Color.class, SimpleKey.class)) {
			assertThat(this.canonicalizer.supports(type)).as(type.getName()).isTrue();
		}
	}

	@Test
	void enumConstantWithBodyClassIsSupported() {
		assertThat(this.canonicalizer.supports(Color.SPECIAL.getClass())).isTrue();
	}

	// --- parse ---

	@Test
	void parseRoundTripsEveryExpandableType() {
		UUID uuid = UUID.randomUUID();
		List<Object> keys = List.of("42", "", 42L, Long.MIN_VALUE, 42, Integer.MAX_VALUE, (short) -3, (byte) 127,
				new BigInteger("-123456789012345678901234567890"), uuid, true, false, 'z', Color.BLUE,
				Color.SPECIAL);
		for (Object key : keys) {
			String form = this.canonicalizer.canonicalize(key);
			assertThat(this.canonicalizer.parse(form, KeyCanonicalizer.keyType(key))).as("%s", key).isEqualTo(key);
		}
	}

	@Test
	void parseOfEnumConstantWithBodyReturnsSameConstant() {
		assertThat(KeyCanonicalizer.keyType(Color.SPECIAL)).isEqualTo(Color.class);
		assertThat(this.canonicalizer.parse("SPECIAL", Color.class)).isSameAs(Color.SPECIAL);
	}

	@Test
	void parseIntoEachNumericTypeGivesThatType() {
		assertThat(this.canonicalizer.parse("42", Long.class)).isEqualTo(42L);
		assertThat(this.canonicalizer.parse("42", Integer.class)).isEqualTo(42);
		assertThat(this.canonicalizer.parse("42", Short.class)).isEqualTo((short) 42);
		assertThat(this.canonicalizer.parse("42", Byte.class)).isEqualTo((byte) 42);
		assertThat(this.canonicalizer.parse("42", BigInteger.class)).isEqualTo(BigInteger.valueOf(42));
		assertThat(this.canonicalizer.parse("42", String.class)).isEqualTo("42");
	}

	@Test
	void parseRejectsNonCanonicalNumbers() {
		for (String form : List.of("042", "+42", "abc", " 42", "42 ", "4_2", "42.0", "-0", "", "0x2a")) {
			assertThat(this.canonicalizer.parse(form, Long.class)).as("Long '%s'", form).isNull();
			assertThat(this.canonicalizer.parse(form, Integer.class)).as("Integer '%s'", form).isNull();
			assertThat(this.canonicalizer.parse(form, BigInteger.class)).as("BigInteger '%s'", form).isNull();
		}
	}

	@Test
	void parseRejectsOutOfRangeNumbers() {
		assertThat(this.canonicalizer.parse("9223372036854775808", Long.class)).isNull();
		assertThat(this.canonicalizer.parse("2147483648", Integer.class)).isNull();
		assertThat(this.canonicalizer.parse("32768", Short.class)).isNull();
		assertThat(this.canonicalizer.parse("128", Byte.class)).isNull();
	}

	@Test
	void parseRejectsHugeBigInteger() {
		assertThat(this.canonicalizer.parse("1".repeat(1001), BigInteger.class)).isNull();
		assertThat(this.canonicalizer.parse("1".repeat(1000), BigInteger.class)).isEqualTo(new BigInteger("1".repeat(1000)));
	}

	@Test
	void parseRejectsUpperCaseAndAbbreviatedUuid() {
		UUID uuid = UUID.fromString("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
		assertThat(this.canonicalizer.parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301", UUID.class)).isEqualTo(uuid);
		assertThat(this.canonicalizer.parse("3F2504E0-4F89-11D3-9A0C-0305E82C3301", UUID.class)).isNull();
		assertThat(this.canonicalizer.parse("1-1-1-1-1", UUID.class)).isNull();
		assertThat(this.canonicalizer.parse("not-a-uuid", UUID.class)).isNull();
	}

	@Test
	void parseRejectsUnknownEnumNameAndOtherCase() {
		assertThat(this.canonicalizer.parse("PURPLE", Color.class)).isNull();
		assertThat(this.canonicalizer.parse("red", Color.class)).isNull();
		assertThat(this.canonicalizer.parse("special!", Color.class)).isNull();
	}

	@Test
	void parseRejectsNonCanonicalBooleanAndCharacter() {
		assertThat(this.canonicalizer.parse("TRUE", Boolean.class)).isNull();
		assertThat(this.canonicalizer.parse("yes", Boolean.class)).isNull();
		assertThat(this.canonicalizer.parse("true", Boolean.class)).isEqualTo(Boolean.TRUE);
		assertThat(this.canonicalizer.parse("ab", Character.class)).isNull();
		assertThat(this.canonicalizer.parse("", Character.class)).isNull();
	}

	@Test
	void parseOfNonExpandableTypeIsNull() {
		KeyCanonicalizer custom = new KeyCanonicalizer(List.of(new ProductKeyConverter()), Set.of(RegionKey.class));
		assertThat(custom.isExpandable(ProductKey.class)).isFalse();
		assertThat(custom.isExpandable(RegionKey.class)).isFalse();
		assertThat(custom.isExpandable(SimpleKey.class)).isFalse();
		assertThat(custom.parse("product:a/1", ProductKey.class)).isNull();
		assertThat(custom.parse("RegionKey[code=eu]", RegionKey.class)).isNull();
		assertThat(custom.parse("[\"1\"]", SimpleKey.class)).isNull();
	}

	// --- fixtures ---

	enum Color {

		RED, GREEN, BLUE,

		SPECIAL {
			@Override
			public String toString() {
				return "special!";
			}
		}

	}

	record ProductKey(String sku, int version) {
	}

	record RegionKey(String code) {
	}

	static class Animal {

		final String name;

		Animal(String name) {
			this.name = name;
		}

		@Override
		public String toString() {
			return "animal " + this.name;
		}

	}

	static class Dog extends Animal {

		Dog(String name) {
			super(name);
		}

	}

	static class ProductKeyConverter implements CacheKeyConverter<ProductKey> {

		@Override
		public Class<ProductKey> keyType() {
			return ProductKey.class;
		}

		@Override
		public String toCanonicalString(ProductKey key) {
			return "product:" + key.sku() + "/" + key.version();
		}

	}

	static class AnimalConverter implements CacheKeyConverter<Animal> {

		@Override
		public Class<Animal> keyType() {
			return Animal.class;
		}

		@Override
		public String toCanonicalString(Animal key) {
			return "animal:" + key.name;
		}

	}

}
