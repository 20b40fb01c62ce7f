package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.nearcache.invalidation.InvalidationCodec.Decoded;
import dev.nearcache.invalidation.InvalidationMessage.Type;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-written reader and writer against the Jackson codec they replaced ({@link JacksonInvalidationCodec}):
 * on the fuzz corpus, its mutants, generated messages with every kind of character and their mutants, random bytes
 * and the limits' edges, both decoders must accept and reject alike, with the same drop reason and the same
 * message; and both encoders must write the same bytes.
 */
class InvalidationCodecDifferentialTests {

	private static final int MAX = ReceivedMessageProperties.MAX_MESSAGE_SIZE;

	private static final String INCARNATION = "5f0e2a9c11d3b7e4";

	private static final String SECRET = "0123456789abcdef0123456789abcdef-current";

	private static final long NOW = 1763769600123L;

	private final InvalidationCodec codec = new InvalidationCodec(MAX, null, INCARNATION);

	private final JacksonInvalidationCodec oracle = new JacksonInvalidationCodec(MAX, null, INCARNATION);

	private final MessageSigning signing = new MessageSigning(SECRET, null, Duration.ofSeconds(60), false, () -> NOW);

	private final InvalidationCodec signedCodec = new InvalidationCodec(MAX, this.signing, INCARNATION);

	private final JacksonInvalidationCodec signedOracle = new JacksonInvalidationCodec(MAX, this.signing, INCARNATION);

	private final Random random = new Random(19);

	@Test
	void fuzzCorpusAndItsMutantsDecodeAlike() throws Exception {
		List<byte[]> seeds = ReceivedMessageFuzzTests.seeds();
		for (byte[] seed : seeds) {
			assertDecodeAlike(seed);
		}
		for (int i = 0; i < 15_000; i++) {
			assertDecodeAlike(ReceivedMessageFuzzTests.mutate(seeds, this.random));
		}
	}

	@Test
	void generatedMessagesAndTheirMutantsDecodeAlike() {
		List<byte[]> seeds = new ArrayList<>();
		for (int i = 0; i < 300; i++) {
			InvalidationMessage message = randomMessage();
			seeds.add(this.oracle.encode(message));
			seeds.add(this.signedOracle.encode(message));
		}
		for (byte[] seed : seeds) {
			assertDecodeAlike(seed);
		}
		for (int i = 0; i < 15_000; i++) {
			assertDecodeAlike(ReceivedMessageFuzzTests.mutate(seeds, this.random));
		}
	}

	@Test
	void randomBytesDecodeAlike() {
		for (int i = 0; i < 5_000; i++) {
			byte[] bytes = new byte[this.random.nextInt(200)];
			this.random.nextBytes(bytes);
			if (bytes.length > 0 && this.random.nextBoolean()) {
				bytes[0] = '{';
			}
			assertDecodeAlike(bytes);
		}
	}

	@Test
	void edgesOfTheLimitsDecodeAlike() {
		String clear = "{\"v\":1,\"type\":\"clear\",\"x\":";
		List<String> inputs = new ArrayList<>();
		inputs.add(clear + "[".repeat(7) + "1" + "]".repeat(7) + "}");
		inputs.add(clear + "[".repeat(8) + "1" + "]".repeat(8) + "}");
		inputs.add(clear + "{\"a\":".repeat(6) + "1" + "}".repeat(6) + "}");
		inputs.add(clear + "{\"a\":".repeat(7) + "1" + "}".repeat(7) + "}");
		for (String prefix : List.of("", "-", "1.", "-1.", "11.", "1e", "1e+", "1E-", "1.0e", "0.", "-0.")) {
			for (int digits = 28; digits <= 34; digits++) {
				inputs.add(clear + prefix + "1".repeat(digits) + "}");
			}
		}
		for (String number : List.of("9223372036854775807", "9223372036854775808", "-9223372036854775808",
				"-9223372036854775809", "18446744073709551616", "0", "-0", "00", "01", "-01", "1.0", "1e0", "-", "1.",
				".5", "+1", "1e", "1e+", "0x1", "NaN", "Infinity", "1e999999999", "1e-999999999")) {
			inputs.add("{\"v\":1,\"type\":\"heartbeat\",\"seq\":" + number + "}");
			inputs.add("{\"v\":" + number + ",\"type\":\"clear\"}");
			inputs.add(clear + number + "}");
		}
		for (int length : new int[] { 49_999, 50_000, 50_001 }) {
			inputs.add("{\"v\":1,\"type\":\"clear\",\"" + "n".repeat(length) + "\":1}");
			inputs.add("{\"v\":1,\"type\":\"clear\",\"x\":{\"" + "n".repeat(length) + "\":1}}");
			inputs.add("{\"v\":1,\"type\":\"clear\",\"" + "n".repeat(length - 1) + "\\u0061\":1}");
			inputs.add("{\"v\":1,\"type\":\"clear\",\"" + "é".repeat(length / 2 + 1) + "\":1}");
			inputs.add("{\"v\":1,\"type\":\"clear\",\"" + "\\u00e9".repeat(length / 2 - 2) + "é\":1}");
			inputs.add("{\"v\":1,\"type\":\"clear\",\"" + "😀".repeat(length / 2) + "\":1}");
		}
		inputs.add("{\"v\":1,\"type\":\"clear\",\"" + "\\u00e9".repeat(9_000) + "\":1}");
		inputs.add("\uFEFF{\"v\":1,\"type\":\"clear\"}");
		inputs.add("{\"v\":1,\"type\":\"clear\",\"x\":{\"a\":1,\"\\u0061\":2}}");
		inputs.add("{\"v\":1,\"\\u0076\":1,\"type\":\"clear\"}");
		inputs.add("{\"v\":1,\"type\":\"sign\\u0065d\",\"sig\":\"00\",\"body\":\"{}\"}");
		inputs.add("{\"v\":1,\"type\":\"clear\",\"x\":" + manyNames(30) + "}");
		inputs.add("{\"v\":1,\"type\":\"clear\",\"x\":" + manyNames(30).replace("\"n29\"", "\"n3\"") + "}");
		inputs.add("{\"v\":1,\"type\":\"clear\",\"x\":" + manyNames(5000) + "}");
		inputs.add("{\"v\":1,\"type\":\"clear\",\"x\":" + manyNames(5000).replace("\"n4999\"", "\"n17\"") + "}");
		for (String escape : List.of("\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u00e9", "\\uD83D\\uDE00",
				"\\ud800", "\\udc00", "\\ud800\\u0041", "\\'", "\\a", "\\u00g0", "\\u12", "\t", "\u007f", "\u2028")) {
			inputs.add("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p\",\"keys\":[\"" + escape + "\"]}");
			inputs.add("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"p" + escape + "\",\"keys\":[]}");
			inputs.add("{\"v\":1,\"type\":\"signed\",\"sig\":\"00\",\"body\":\"{\\\"v\\\":1,\\\"type\\\":\\\"clear\\\","
					+ "\\\"cache\\\":\\\"" + escape + "\\\"}\"}");
		}
		for (String input : inputs) {
			assertDecodeAlike(input.getBytes(StandardCharsets.UTF_8));
		}
	}

	@Test
	void bothEncodersWriteTheSameBytes() {
		for (int i = 0; i < 3_000; i++) {
			InvalidationMessage message = randomMessage();
			for (InvalidationCodec encoder : List.of(this.codec, this.signedCodec)) {
				JacksonInvalidationCodec old = (encoder == this.codec) ? this.oracle : this.signedOracle;
				byte[] expected = old.encode(message);
				assertThat(encoder.encode(message)).as("%s", message).isEqualTo(expected);
				assertThat(old.decode(encoder.encode(message))).isEqualTo(old.decode(expected));
				if (message.origin() != null && message.seq() != null && message.timestamp() != null
						&& message.incarnation() == null) {
					assertThat(encoder.encode(message.type(), message.origin(), message.seq(), message.timestamp(),
							message.cache(), message.keys(), message.mode()))
						.as("the publisher's path, %s", message)
						.isEqualTo(expected);
				}
			}
		}
	}

	private void assertDecodeAlike(byte[] bytes) {
		assertSame(this.oracle.decode(bytes), this.codec.decode(bytes), bytes);
		assertSame(this.signedOracle.decode(bytes), this.signedCodec.decode(bytes), bytes);
	}

	private static void assertSame(Decoded expected, Decoded actual, byte[] bytes) {
		if (!expected.equals(actual)) {
			String input = (bytes.length > 300) ? new String(bytes, 0, 300, StandardCharsets.UTF_8) + "…(" + bytes.length
					+ " bytes)" : new String(bytes, StandardCharsets.UTF_8);
			assertThat(actual).as("decoding %s (%s)", input, Arrays.toString(Arrays.copyOf(bytes, Math.min(64,
					bytes.length)))).isEqualTo(expected);
		}
	}

	private static String manyNames(int count) {
		StringBuilder object = new StringBuilder("{");
		for (int i = 0; i < count; i++) {
			object.append((i > 0) ? "," : "").append("\"n").append(i).append("\":").append(i);
		}
		return object.append('}').toString();
	}

	private InvalidationMessage randomMessage() {
		Type type = Type.values()[this.random.nextInt(Type.values().length)];
		List<String> keys = new ArrayList<>();
		if (type == Type.INVALIDATE) {
			for (int i = this.random.nextInt(4); i >= 0; i--) {
				keys.add(randomString());
			}
		}
		String cache = (type == Type.INVALIDATE) ? "c" + randomString() : this.random.nextBoolean() ? randomString()
				: null;
		return new InvalidationMessage(type, this.random.nextInt(5) > 0 ? randomString() : null,
				this.random.nextInt(5) > 0 ? randomCount() : null, this.random.nextInt(5) > 0 ? NOW : null, cache,
				keys, this.random.nextInt(4) == 0 ? randomString() : null,
				this.random.nextInt(3) == 0 ? randomString() : null);
	}

	private long randomCount() {
		return switch (this.random.nextInt(3)) {
			case 0 -> this.random.nextInt(1000);
			case 1 -> Long.MAX_VALUE - this.random.nextInt(10);
			default -> this.random.nextLong() & Long.MAX_VALUE;
		};
	}

	private static final char[] ALPHABET = { 'a', 'z', '0', '9', ' ', ':', '"', '\\', '/', '\b', '\f', '\n', '\r', '\t',
			'\u0000', '\u0001', '\u001f', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '€', '\u2028', '\ufeff', '\uffff',
			'\ud800', '\udbff', '\udc00', '\udfff' };

	private String randomString() {
		StringBuilder string = new StringBuilder();
		int length = this.random.nextInt(12);
		for (int i = 0; i < length; i++) {
			if (this.random.nextInt(6) == 0) {
				string.appendCodePoint(0x10000 + this.random.nextInt(0x100000));
			}
			else {
				string.append(ALPHABET[this.random.nextInt(ALPHABET.length)]);
			}
		}
		return string.toString();
	}

}
