package dev.nearcache.invalidation;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.nearcache.invalidation.InvalidationCodec.Decoded;
import dev.nearcache.invalidation.InvalidationMessage.Type;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.fail;

/**
 * Tests for {@link InvalidationCodec}, the owner of wire protocol v1.
 */
class InvalidationCodecTests {

	private static final String INVALIDATE_EXAMPLE = "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"a\",\"seq\":17,"
			+ "\"ts\":1763769600123,\"cache\":\"products\",\"keys\":[\"42\",\"43\"]}";

	private static final String CLEAR_CACHE_EXAMPLE = "{\"v\":1,\"type\":\"clear\",\"origin\":\"a\",\"seq\":18,"
			+ "\"ts\":1763769600124,\"cache\":\"products\"}";

	private static final String CLEAR_ALL_EXAMPLE = "{\"v\":1,\"type\":\"clear\",\"origin\":\"a\",\"seq\":19,"
			+ "\"ts\":1763769600125}";

	private static final String HEARTBEAT_EXAMPLE = "{\"v\":1,\"type\":\"heartbeat\",\"origin\":\"a\",\"seq\":19,"
			+ "\"ts\":1763769605000}";

	/** Without an incarnation, so that exact JSON can be compared; {@link #incarnationIsWrittenAndRead} has one. */
	private final InvalidationCodec codec = new InvalidationCodec(64 * 1024, null, null);

	// --- encode ---

	@Test
	void encodeWritesExactProtocolJson() {
		InvalidationMessage message = new InvalidationMessage(Type.INVALIDATE, "a", 17L, 1763769600123L, "products",
				List.of("42", "43"));
		assertThat(json(this.codec.encode(message))).isEqualTo(INVALIDATE_EXAMPLE);
	}

	@Test
	void encodeOfClearAndHeartbeatWritesNoKeys() {
		assertThat(json(this.codec.encode(new InvalidationMessage(Type.CLEAR, "a", 18L, 1763769600124L, "products",
				List.of())))).isEqualTo(CLEAR_CACHE_EXAMPLE);
		assertThat(json(this.codec.encode(new InvalidationMessage(Type.CLEAR, "a", 19L, 1763769600125L, null,
				List.of())))).isEqualTo(CLEAR_ALL_EXAMPLE);
		assertThat(json(this.codec.encode(new InvalidationMessage(Type.HEARTBEAT, "a", 19L, 1763769605000L, null,
				List.of())))).isEqualTo(HEARTBEAT_EXAMPLE);
	}

	@Test
	void encodeOmitsAbsentOptionalFields() {
		assertThat(json(this.codec.encode(new InvalidationMessage(Type.INVALIDATE, null, null, null, "p",
				List.of("1"))))).isEqualTo("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"1\"]}");
	}

	@Test
	void encodeEscapesKeysAsJsonStrings() {
		assertThat(json(this.codec.encode(new InvalidationMessage(Type.INVALIDATE, null, null, null, "p",
				List.of("[\"42\",\"eu\"]", "a\\b", "line\nbreak")))))
			.isEqualTo("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"[\\\"42\\\",\\\"eu\\\"]\","
					+ "\"a\\\\b\",\"line\\nbreak\"]}");
	}

	@Test
	void encodeWritesUtf8() {
		byte[] bytes = this.codec.encode(new InvalidationMessage(Type.INVALIDATE, "ü", null, null, "prödücts",
				List.of("€")));
		assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"prödücts\"").contains("\"€\"");
	}

	// --- round trips ---

	@Test
	void everyTypeRoundTrips() {
		List<InvalidationMessage> messages = List.of(
				new InvalidationMessage(Type.INVALIDATE, "host-1-abc", 1L, 1763769600123L, "products",
						List.of("42", "43")),
				new InvalidationMessage(Type.INVALIDATE, "o", 0L, 0L, "p", List.of()),
				new InvalidationMessage(Type.INVALIDATE, null, null, null, "products", List.of("[\"42\",null]")),
				new InvalidationMessage(Type.CLEAR, "o", 2L, 3L, "products", List.of()),
				new InvalidationMessage(Type.CLEAR, "o", Long.MAX_VALUE, Long.MAX_VALUE, null, List.of()),
				new InvalidationMessage(Type.CLEAR, null, null, null, null, List.of()),
				new InvalidationMessage(Type.HEARTBEAT, "o", 5L, 6L, null, List.of()),
				new InvalidationMessage(Type.HEARTBEAT, null, null, null, null, List.of()));
		for (InvalidationMessage message : messages) {
			Decoded decoded = this.codec.decode(this.codec.encode(message));
			assertThat(decoded.dropReason()).as("%s", message).isNull();
			assertThat(decoded.message()).isEqualTo(message);
		}
	}

	@Test
	void incarnationIsWrittenAndRead() {
		InvalidationCodec stamping = new InvalidationCodec(64 * 1024, null, "5f0e2a9c11d3b7e4");
		InvalidationMessage sent = new InvalidationMessage(Type.INVALIDATE, "a", 17L, 1763769600123L, "products",
				List.of("42"));
		assertThat(new String(stamping.encode(sent), StandardCharsets.UTF_8)).isEqualTo("{\"v\":1,\"type\":"
				+ "\"invalidate\",\"origin\":\"a\",\"seq\":17,\"ts\":1763769600123,\"cache\":\"products\","
				+ "\"keys\":[\"42\"],\"inc\":\"5f0e2a9c11d3b7e4\"}");
		assertThat(this.codec.decode(stamping.encode(sent)).message()).isEqualTo(new InvalidationMessage(
				Type.INVALIDATE, "a", 17L, 1763769600123L, "products", List.of("42"), null, "5f0e2a9c11d3b7e4"));
		InvalidationMessage relayed = new InvalidationMessage(Type.CLEAR, "b", 1L, null, null, List.of(), null,
				"other-start");
		assertThat(stamping.decode(stamping.encode(relayed)).message()).isEqualTo(relayed);
	}

	@Test
	void everyCodecIsItsOwnIncarnation() {
		assertThat(new InvalidationCodec(1024).incarnation()).hasSize(16)
			.isNotEqualTo(new InvalidationCodec(1024).incarnation());
	}

	@Test
	void incarnationThatIsNotAStringIsDropped() {
		assertThat(decode("{\"v\":1,\"type\":\"clear\",\"origin\":\"a\",\"inc\":42}").dropReason())
			.isEqualTo(DropReason.INVALID_FIELD);
	}

	@Test
	void keysWithAnyCharactersRoundTrip() {
		List<String> keys = List.of("", " ", "\"", "\\", "\u0000", "\u001f", "\u007f", "\u2028", "é", "€", "😀",
				"\uD800", "\uDC00x", "[\"a\",null]", "{}", "a".repeat(1000));
		InvalidationMessage message = new InvalidationMessage(Type.INVALIDATE, "o", 1L, 1L, "cache \"x\"", keys);
		assertThat(this.codec.decode(this.codec.encode(message)).message()).isEqualTo(message);
	}

	// --- documented examples ---

	@Test
	void decodesDocumentedInvalidateExample() {
		assertThat(decode(INVALIDATE_EXAMPLE).message()).isEqualTo(
				new InvalidationMessage(Type.INVALIDATE, "a", 17L, 1763769600123L, "products", List.of("42", "43")));
	}

	@Test
	void decodesDocumentedClearOfOneCacheExample() {
		assertThat(decode(CLEAR_CACHE_EXAMPLE).message())
			.isEqualTo(new InvalidationMessage(Type.CLEAR, "a", 18L, 1763769600124L, "products", List.of()));
	}

	@Test
	void decodesDocumentedClearOfEveryCacheExample() {
		assertThat(decode(CLEAR_ALL_EXAMPLE).message())
			.isEqualTo(new InvalidationMessage(Type.CLEAR, "a", 19L, 1763769600125L, null, List.of()));
	}

	@Test
	void decodesDocumentedHeartbeatExample() {
		assertThat(decode(HEARTBEAT_EXAMPLE).message())
			.isEqualTo(new InvalidationMessage(Type.HEARTBEAT, "a", 19L, 1763769605000L, null, List.of()));
	}

	// --- lenient where the protocol allows ---

	@Test
	void messageWithoutSeqTsAndOriginIsAccepted() {
		assertThat(decode("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":[\"42\"]}").message())
			.isEqualTo(new InvalidationMessage(Type.INVALIDATE, null, null, null, "products", List.of("42")));
		assertThat(decode("{\"v\":1,\"type\":\"clear\"}").message())
			.isEqualTo(new InvalidationMessage(Type.CLEAR, null, null, null, null, List.of()));
	}

	@Test
	void nullOptionalFieldsCountAsAbsent() {
		assertThat(decode("{\"v\":1,\"type\":\"clear\",\"origin\":null,\"seq\":null,\"ts\":null,\"cache\":null}")
			.message()).isEqualTo(new InvalidationMessage(Type.CLEAR, null, null, null, null, List.of()));
	}

	@Test
	void unknownFieldsAreIgnored() {
		assertThat(decode("{\"v\":1,\"type\":\"invalidate\",\"future\":{\"a\":[1,2,{\"b\":null}]},\"cache\":\"p\","
				+ "\"keys\":[\"1\"],\"x\":true}").message())
			.isEqualTo(new InvalidationMessage(Type.INVALIDATE, null, null, null, "p", List.of("1")));
	}

	@Test
	void fieldOrderDoesNotMatter() {
		assertThat(decode("{\"keys\":[\"42\",\"43\"],\"cache\":\"products\",\"ts\":1763769600123,\"seq\":17,"
				+ "\"origin\":\"a\",\"type\":\"invalidate\",\"v\":1}").message())
			.isEqualTo(decode(INVALIDATE_EXAMPLE).message());
	}

	@Test
	void whitespaceIsAllowed() {
		assertThat(decode(" {\n \"v\" : 1 ,\t\"type\" : \"clear\" }\n").message())
			.isEqualTo(new InvalidationMessage(Type.CLEAR, null, null, null, null, List.of()));
	}

	@Test
	void invalidateWithEmptyKeysIsAccepted() {
		assertThat(decode("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[]}").message())
			.isEqualTo(new InvalidationMessage(Type.INVALIDATE, null, null, null, "p", List.of()));
	}

	@Test
	void keysOfClearAreIgnored() {
		assertThat(decode("{\"v\":1,\"type\":\"clear\",\"cache\":\"p\",\"keys\":[1,null]}").message())
			.isEqualTo(new InvalidationMessage(Type.CLEAR, null, null, null, "p", List.of()));
	}

	@Test
	void largestSeqIsAccepted() {
		assertThat(decode("{\"v\":1,\"type\":\"heartbeat\",\"seq\":9223372036854775807}").message().seq())
			.isEqualTo(Long.MAX_VALUE);
	}

	// --- drop reasons ---

	@Test
	void oversizedInputIsDroppedBeforeParsing() {
		InvalidationCodec small = new InvalidationCodec(256, null, null);
		byte[] garbage = new byte[257];
		Arrays.fill(garbage, (byte) 0xff);
		assertThat(small.decode(garbage).dropReason()).isEqualTo(DropReason.OVERSIZED);
		String valid = "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"" + "k".repeat(300) + "\"]}";
		assertThat(small.decode(valid.getBytes(StandardCharsets.UTF_8)).dropReason()).isEqualTo(DropReason.OVERSIZED);
	}

	@Test
	void inputOfExactlyMaxSizeIsParsed() {
		InvalidationCodec small = new InvalidationCodec(256, null, null);
		String prefix = "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"";
		String suffix = "\"]}";
		String exact = prefix + "k".repeat(256 - prefix.length() - suffix.length()) + suffix;
		assertThat(exact).hasSize(256);
		assertThat(small.decode(exact.getBytes(StandardCharsets.UTF_8)).message()).isNotNull();
		assertThat(small.maxMessageSize()).isEqualTo(256);
	}

	@ParameterizedTest
	@ValueSource(strings = { "not json", "{", "{\"v\":1,", "{\"v\":1,\"type\":\"clear\"", "{v:1,type:'clear'}",
			"{\"v\":1,\"type\":\"clear\"} trailing", "{\"v\":1,\"type\":\"clear\"}{}", "  ", "\u0000" })
	void nonJsonIsMalformed(String input) {
		assertDropped(input, DropReason.MALFORMED);
	}

	@ParameterizedTest
	@ValueSource(strings = { "UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE" })
	void aValidMessageInAnotherUnicodeEncodingIsMalformed(String charset) {
		// Jackson guesses these from zero bytes when it reads bytes; the wire protocol is UTF-8 only.
		byte[] bytes = "{\"v\":1,\"type\":\"clear\",\"cache\":\"products\"}".getBytes(Charset.forName(charset));
		assertThat(this.codec.decode(bytes).dropReason()).isEqualTo(DropReason.MALFORMED);
	}

	@Test
	void aValidAsciiMessageAndItsUtf8FormWithAnEscapedKeyDecodeAlike() {
		byte[] ascii = "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"\\u00e9\"]}"
			.getBytes(StandardCharsets.US_ASCII);
		byte[] utf8 = "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"\u00e9\"]}"
			.getBytes(StandardCharsets.UTF_8);
		assertThat(this.codec.decode(ascii).message()).isNotNull().isEqualTo(this.codec.decode(utf8).message());
	}

	@Test
	void emptyInputIsMalformed() {
		assertThat(this.codec.decode(new byte[0]).dropReason()).isEqualTo(DropReason.MALFORMED);
	}

	@ParameterizedTest
	@ValueSource(strings = { "[]", "[{\"v\":1,\"type\":\"clear\"}]", "\"clear\"", "42", "-1.5", "true", "null" })
	void jsonThatIsNotAnObjectIsMalformed(String input) {
		assertDropped(input, DropReason.MALFORMED);
	}

	@Test
	void missingVersionIsMissingField() {
		assertDropped("{\"type\":\"clear\"}", DropReason.MISSING_FIELD);
		assertDropped("{\"v\":null,\"type\":\"clear\"}", DropReason.MISSING_FIELD);
	}

	@Test
	void missingTypeIsMissingField() {
		assertDropped("{\"v\":1}", DropReason.MISSING_FIELD);
		assertDropped("{\"v\":1,\"type\":null}", DropReason.MISSING_FIELD);
		assertDropped("{}", DropReason.MISSING_FIELD);
	}

	@Test
	void higherVersionIsUnsupportedVersion() {
		assertDropped("{\"v\":2,\"type\":\"clear\"}", DropReason.UNSUPPORTED_VERSION);
		assertDropped("{\"v\":2,\"type\":\"something-new\"}", DropReason.UNSUPPORTED_VERSION);
		assertDropped("{\"v\":9223372036854775807,\"type\":\"clear\"}", DropReason.UNSUPPORTED_VERSION);
	}

	@ParameterizedTest
	@ValueSource(strings = { "\"1\"", "0", "-1", "1.0", "1.5", "true", "[1]", "{}", "99999999999999999999" })
	void versionThatIsNotAPositiveIntegerIsInvalidField(String version) {
		assertDropped("{\"v\":" + version + ",\"type\":\"clear\"}", DropReason.INVALID_FIELD);
	}

	@Test
	void unknownTypeIsUnknownType() {
		assertDropped("{\"v\":1,\"type\":\"evict\"}", DropReason.UNKNOWN_TYPE);
		assertDropped("{\"v\":1,\"type\":\"INVALIDATE\"}", DropReason.UNKNOWN_TYPE);
		assertDropped("{\"v\":1,\"type\":\"\"}", DropReason.UNKNOWN_TYPE);
	}

	@Test
	void typeThatIsNotAStringIsInvalidField() {
		assertDropped("{\"v\":1,\"type\":1}", DropReason.INVALID_FIELD);
		assertDropped("{\"v\":1,\"type\":[\"clear\"]}", DropReason.INVALID_FIELD);
	}

	@Test
	void invalidateWithoutCacheIsMissingField() {
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"keys\":[\"1\"]}", DropReason.MISSING_FIELD);
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":null,\"keys\":[\"1\"]}", DropReason.MISSING_FIELD);
	}

	@Test
	void invalidateWithoutKeysIsMissingField() {
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\"}", DropReason.MISSING_FIELD);
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":null}", DropReason.MISSING_FIELD);
	}

	@Test
	void invalidateWithEmptyCacheNameIsInvalidField() {
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"\",\"keys\":[\"1\"]}", DropReason.INVALID_FIELD);
	}

	@ParameterizedTest
	@ValueSource(strings = { "\"42\"", "42", "{}", "{\"0\":\"42\"}", "true" })
	void keysThatAreNotAnArrayAreInvalidField(String keys) {
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":" + keys + "}",
				DropReason.INVALID_FIELD);
	}

	@ParameterizedTest
	@ValueSource(strings = { "[42]", "[\"1\",2]", "[null]", "[\"1\",null]", "[{}]", "[{\"k\":\"1\"}]", "[[\"1\"]]",
			"[true]", "[1.5]" })
	void keysWithAnElementThatIsNotAStringAreInvalidField(String keys) {
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":" + keys + "}",
				DropReason.INVALID_FIELD);
	}

	@ParameterizedTest
	@ValueSource(strings = { "-1", "1.5", "\"17\"", "true", "[]", "99999999999999999999", "1e3" })
	void seqThatIsNotANonNegativeLongIsInvalidField(String seq) {
		assertDropped("{\"v\":1,\"type\":\"clear\",\"seq\":" + seq + "}", DropReason.INVALID_FIELD);
	}

	@Test
	void negativeTimestampIsInvalidField() {
		assertDropped("{\"v\":1,\"type\":\"clear\",\"ts\":-1}", DropReason.INVALID_FIELD);
	}

	@Test
	void originOrCacheThatIsNotAStringIsInvalidField() {
		assertDropped("{\"v\":1,\"type\":\"clear\",\"origin\":1}", DropReason.INVALID_FIELD);
		assertDropped("{\"v\":1,\"type\":\"clear\",\"cache\":[\"p\"]}", DropReason.INVALID_FIELD);
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":5,\"keys\":[\"1\"]}", DropReason.INVALID_FIELD);
	}

	@Test
	void duplicateFieldsAreMalformed() {
		assertDropped("{\"v\":1,\"type\":\"clear\",\"type\":\"invalidate\"}", DropReason.MALFORMED);
		assertDropped("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"cache\":\"q\",\"keys\":[\"1\"]}",
				DropReason.MALFORMED);
		assertDropped("{\"v\":1,\"v\":1,\"type\":\"clear\"}", DropReason.MALFORMED);
	}

	@Test
	void deeplyNestedJsonIsMalformed() {
		String deep = "[".repeat(50) + "]".repeat(50);
		assertDropped("{\"v\":1,\"type\":\"clear\",\"x\":" + deep + "}", DropReason.MALFORMED);
		String veryDeep = "[".repeat(10_000) + "]".repeat(10_000);
		assertDropped("{\"v\":1,\"type\":\"clear\",\"x\":" + veryDeep + "}", DropReason.MALFORMED);
		assertDropped("{\"v\":1,\"type\":\"clear\",\"x\":" + "{\"a\":".repeat(50) + "1" + "}".repeat(50) + "}",
				DropReason.MALFORMED);
	}

	@Test
	void shallowNestingInUnknownFieldsIsAccepted() {
		assertThat(decode("{\"v\":1,\"type\":\"clear\",\"x\":[[[1]]]}").message()).isNotNull();
	}

	@Test
	void invalidUtf8IsMalformed() {
		assertDroppedBytes(utf8WithRawBytesInKey(0xff), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xc3), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0x80), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xc3, 0x28), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xfe), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xf8, 0x88, 0x80, 0x80, 0x80), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xed, 0xa0, 0x80), DropReason.MALFORMED);
	}

	@Test
	void overlongAndOutOfRangeUtf8IsMalformed() {
		assertDroppedBytes(utf8WithRawBytesInKey(0xc0, 0xaf), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xe0, 0x80, 0xaf), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xf0, 0x80, 0x80, 0xaf), DropReason.MALFORMED);
		assertDroppedBytes(utf8WithRawBytesInKey(0xf4, 0x90, 0x80, 0x80), DropReason.MALFORMED);
	}

	@Test
	void validMultiByteUtf8IsDecoded() {
		assertThat(this.codec.decode(utf8WithRawBytesInKey(0xe2, 0x82, 0xac)).message().keys()).containsExactly("€");
	}

	// --- never throws ---

	@Test
	void decodeOfRandomBytesNeverThrows() {
		Random random = new Random(20251122L);
		InvalidationCodec small = new InvalidationCodec(512, null, null);
		for (int i = 0; i < 3_000; i++) {
			byte[] bytes = new byte[random.nextInt(600)];
			random.nextBytes(bytes);
			assertDecodedOrDropped(small, bytes);
		}
	}

	@Test
	void decodeOfRandomMutationsOfValidMessagesNeverThrows() {
		Random random = new Random(42L);
		List<byte[]> seeds = new ArrayList<>();
		for (String example : List.of(INVALIDATE_EXAMPLE, CLEAR_CACHE_EXAMPLE, CLEAR_ALL_EXAMPLE, HEARTBEAT_EXAMPLE)) {
			seeds.add(example.getBytes(StandardCharsets.UTF_8));
		}
		byte[] interesting = "{}[]\":,\\0123456789-+.eEnulltruefalse \u0000\n".getBytes(StandardCharsets.UTF_8);
		int messages = 0;
		int drops = 0;
		for (int i = 0; i < 5_000; i++) {
			byte[] bytes = seeds.get(random.nextInt(seeds.size())).clone();
			int mutations = 1 + random.nextInt(4);
			for (int m = 0; m < mutations; m++) {
				bytes = mutate(bytes, random, interesting);
			}
			if (assertDecodedOrDropped(this.codec, bytes)) {
				messages++;
			}
			else {
				drops++;
			}
		}
		// the fuzzing exercises both outcomes, so it reaches past the parser into the field checks
		assertThat(messages).isPositive();
		assertThat(drops).isPositive();
	}

	@Test
	void decodeOfNullBytesInsideValidStructureNeverThrows() {
		for (String input : List.of("{\"v\":1,\"type\":\"clear\",\"cache\":\"\u0000\"}",
				"{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"\\u0000\"]}",
				"{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"\\ud800\"]}",
				"{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"\\uZZZZ\"]}",
				"{\"v\":1e999999999,\"type\":\"clear\"}", "{\"v\":" + "9".repeat(5000) + ",\"type\":\"clear\"}",
				"{\"v\":1,\"type\":\"clear\",\"seq\":-" + "9".repeat(40) + "}")) {
			assertDecodedOrDropped(this.codec, input.getBytes(StandardCharsets.UTF_8));
		}
	}

	// --- helpers ---

	private static byte[] mutate(byte[] bytes, Random random, byte[] interesting) {
		if (bytes.length == 0) {
			return new byte[] { interesting[random.nextInt(interesting.length)] };
		}
		int at = random.nextInt(bytes.length);
		switch (random.nextInt(5)) {
			case 0 -> {
				byte[] copy = bytes.clone();
				copy[at] = (byte) random.nextInt(256);
				return copy;
			}
			case 1 -> {
				byte[] copy = bytes.clone();
				copy[at] = interesting[random.nextInt(interesting.length)];
				return copy;
			}
			case 2 -> {
				byte[] copy = new byte[bytes.length - 1];
				System.arraycopy(bytes, 0, copy, 0, at);
				System.arraycopy(bytes, at + 1, copy, at, bytes.length - at - 1);
				return copy;
			}
			case 3 -> {
				byte[] copy = new byte[bytes.length + 1];
				System.arraycopy(bytes, 0, copy, 0, at);
				copy[at] = interesting[random.nextInt(interesting.length)];
				System.arraycopy(bytes, at, copy, at + 1, bytes.length - at);
				return copy;
			}
			default -> {
				int length = random.nextInt(Math.min(8, bytes.length - at)) + 1;
				byte[] copy = new byte[bytes.length + length];
				System.arraycopy(bytes, 0, copy, 0, at + length);
				System.arraycopy(bytes, at, copy, at + length, bytes.length - at);
				return copy;
			}
		}
	}

	/** @return whether a message was decoded (else it was dropped) */
	private static boolean assertDecodedOrDropped(InvalidationCodec codec, byte[] bytes) {
		Decoded[] decoded = new Decoded[1];
		assertThatCode(() -> decoded[0] = codec.decode(bytes)).as("decode of %s", Arrays.toString(bytes))
			.doesNotThrowAnyException();
		Decoded result = decoded[0];
		if (result == null) {
			fail("decode returned null for %s", Arrays.toString(bytes));
		}
		assertThat(result.message() == null).as("exactly one of message and drop reason for %s",
				Arrays.toString(bytes)).isNotEqualTo(result.dropReason() == null);
		return result.message() != null;
	}

	private Decoded decode(String json) {
		return this.codec.decode(json.getBytes(StandardCharsets.UTF_8));
	}

	private void assertDropped(String json, DropReason reason) {
		assertDroppedBytes(json.getBytes(StandardCharsets.UTF_8), reason);
	}

	private void assertDroppedBytes(byte[] bytes, DropReason reason) {
		Decoded decoded = this.codec.decode(bytes);
		assertThat(decoded.message()).as("message of %s", new String(bytes, StandardCharsets.UTF_8)).isNull();
		assertThat(decoded.dropReason()).as("drop reason of %s", new String(bytes, StandardCharsets.UTF_8))
			.isEqualTo(reason);
	}

	private static byte[] utf8WithRawBytesInKey(int... raw) {
		byte[] prefix = "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"".getBytes(StandardCharsets.UTF_8);
		byte[] suffix = "\"]}".getBytes(StandardCharsets.UTF_8);
		byte[] bytes = new byte[prefix.length + raw.length + suffix.length];
		System.arraycopy(prefix, 0, bytes, 0, prefix.length);
		for (int i = 0; i < raw.length; i++) {
			bytes[prefix.length + i] = (byte) raw[i];
		}
		System.arraycopy(suffix, 0, bytes, prefix.length + raw.length, suffix.length);
		return bytes;
	}

	private static String json(byte[] bytes) {
		return new String(bytes, StandardCharsets.UTF_8);
	}

}
