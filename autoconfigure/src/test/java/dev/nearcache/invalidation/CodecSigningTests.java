package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Signed envelopes: the documented test vector, verification, rotation, replay window, and what a receiver
 * without a secret does.
 */
class CodecSigningTests {

	private static final String VECTOR_SECRET = "nearcache-protocol-test-vector-secret-0001";

	private static final String VECTOR_BODY = "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"pricing-svc\",\"seq\":1,"
			+ "\"ts\":1763769600123,\"cache\":\"products\",\"keys\":[\"42\"]}";

	private static final String VECTOR_SIG = "15e78c231609eee9c55f99db9377e8ca0177f0d363e68b139ac3acc62ad2e793";

	/** The envelope exactly as docs/protocol.md prints it. */
	private static final String VECTOR_ENVELOPE = "{\"v\":1,\"type\":\"signed\",\"sig\":\"" + VECTOR_SIG
			+ "\",\"body\":\"{\\\"v\\\":1,\\\"type\\\":\\\"invalidate\\\",\\\"origin\\\":\\\"pricing-svc\\\",\\\"seq\\\":1,"
			+ "\\\"ts\\\":1763769600123,\\\"cache\\\":\\\"products\\\",\\\"keys\\\":[\\\"42\\\"]}\"}";

	private static final long VECTOR_TS = 1763769600123L;

	private static final String SECRET = "0123456789abcdef0123456789abcdef-current";

	private static final String OTHER_SECRET = "0123456789abcdef0123456789abcdef-other!!";

	private long now = VECTOR_TS;

	private MessageSigning signing(String secret, String accepted, boolean acceptUnsigned) {
		return new MessageSigning(secret, accepted, Duration.ofSeconds(60), acceptUnsigned, () -> this.now);
	}

	private InvalidationCodec codec(String secret) {
		return new InvalidationCodec(65536, signing(secret, null, false), null);
	}

	private static InvalidationMessage invalidation(long ts) {
		return new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "web-1", 7L, ts, "products",
				List.of("42", "a \"quoted\" \\ key", "ключ"));
	}

	@Test
	void signatureMatchesTheDocumentedTestVector() throws Exception {
		MessageSigning signing = signing(VECTOR_SECRET, null, false);
		assertThat(signing.sign(VECTOR_BODY.getBytes(StandardCharsets.UTF_8))).isEqualTo(VECTOR_SIG);
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(VECTOR_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
		assertThat(java.util.HexFormat.of().formatHex(mac.doFinal(VECTOR_BODY.getBytes(StandardCharsets.UTF_8))))
			.as("plain JCA HMAC, independent of MessageSigning")
			.isEqualTo(VECTOR_SIG);
	}

	@Test
	void documentedEnvelopeIsAccepted() {
		this.now = VECTOR_TS + 5_000;
		InvalidationCodec.Decoded decoded = codec(VECTOR_SECRET).decode(VECTOR_ENVELOPE.getBytes(StandardCharsets.UTF_8));
		assertThat(decoded.dropReason()).isNull();
		assertThat(decoded.message()).isEqualTo(new InvalidationMessage(InvalidationMessage.Type.INVALIDATE,
				"pricing-svc", 1L, VECTOR_TS, "products", List.of("42")));
	}

	@Test
	void signedMessagesRoundTrip() {
		InvalidationCodec codec = codec(SECRET);
		byte[] bytes = codec.encode(invalidation(this.now));
		assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("{\"v\":1,\"type\":\"signed\",\"sig\":\"");
		assertThat(codec.decode(bytes).message()).isEqualTo(invalidation(this.now));
	}

	@Test
	void unsignedMessagesAreDroppedUnlessStillAccepted() {
		byte[] unsigned = new InvalidationCodec(65536, null, null).encode(invalidation(this.now));
		assertThat(codec(SECRET).decode(unsigned).dropReason()).isEqualTo(DropReason.UNSIGNED);
		InvalidationCodec lenient = new InvalidationCodec(65536, signing(SECRET, null, true), null);
		assertThat(lenient.decode(unsigned).message()).isEqualTo(invalidation(this.now));
	}

	@Test
	void messagesSignedWithAnotherSecretAreDropped() {
		byte[] bytes = codec(OTHER_SECRET).encode(invalidation(this.now));
		assertThat(codec(SECRET).decode(bytes).dropReason()).isEqualTo(DropReason.BAD_SIGNATURE);
	}

	@Test
	void tamperedBodyIsDropped() {
		String envelope = VECTOR_ENVELOPE.replace("\\\"42\\\"", "\\\"43\\\"");
		assertThat(envelope).isNotEqualTo(VECTOR_ENVELOPE);
		assertThat(codec(VECTOR_SECRET).decode(envelope.getBytes(StandardCharsets.UTF_8)).dropReason())
			.isEqualTo(DropReason.BAD_SIGNATURE);
	}

	@Test
	void signatureThatIsNotHexOrHasTheWrongLengthIsDropped() {
		for (String sig : List.of("zz", VECTOR_SIG.substring(2), VECTOR_SIG + "00", "", VECTOR_SIG.toUpperCase() + "g")) {
			String envelope = VECTOR_ENVELOPE.replace(VECTOR_SIG, sig);
			assertThat(codec(VECTOR_SECRET).decode(envelope.getBytes(StandardCharsets.UTF_8)).dropReason()).as(sig)
				.isEqualTo(DropReason.BAD_SIGNATURE);
		}
	}

	@Test
	void previousSecretVerifiesButNeverSigns() {
		InvalidationCodec rotating = new InvalidationCodec(65536, signing(SECRET, OTHER_SECRET, false), null);
		byte[] fromOld = codec(OTHER_SECRET).encode(invalidation(this.now));
		assertThat(rotating.decode(fromOld).message()).isEqualTo(invalidation(this.now));
		byte[] fromRotating = rotating.encode(invalidation(this.now));
		assertThat(codec(SECRET).decode(fromRotating).message()).isEqualTo(invalidation(this.now));
		assertThat(codec(OTHER_SECRET).decode(fromRotating).dropReason()).isEqualTo(DropReason.BAD_SIGNATURE);
	}

	@Test
	void messagesOutsideTheWindowAreDroppedAsExpired() {
		InvalidationCodec codec = codec(SECRET);
		byte[] old = codec.encode(invalidation(this.now - 60_001));
		byte[] future = codec.encode(invalidation(this.now + 60_001));
		byte[] edge = codec.encode(invalidation(this.now - 60_000));
		assertThat(codec.decode(old).dropReason()).isEqualTo(DropReason.EXPIRED);
		assertThat(codec.decode(future).dropReason()).isEqualTo(DropReason.EXPIRED);
		assertThat(codec.decode(edge).message()).isNotNull();
		this.now += 120_000;
		assertThat(codec.decode(edge).dropReason()).as("the same bytes replayed later").isEqualTo(DropReason.EXPIRED);
	}

	@Test
	void signedMessageWithoutTimestampIsDropped() {
		InvalidationCodec codec = codec(SECRET);
		byte[] bytes = codec.encode(new InvalidationMessage(InvalidationMessage.Type.CLEAR, "web-1", 1L, null,
				"products", List.of()));
		assertThat(codec.decode(bytes).dropReason()).isEqualTo(DropReason.MISSING_FIELD);
	}

	@Test
	void receiverWithoutSecretAppliesTheBodyUnverified() {
		String forged = VECTOR_ENVELOPE.replace(VECTOR_SIG, "00".repeat(32));
		InvalidationCodec.Decoded decoded = new InvalidationCodec(65536, null, null)
			.decode(forged.getBytes(StandardCharsets.UTF_8));
		assertThat(decoded.message()).isNotNull();
		assertThat(decoded.message().keys()).containsExactly("42");
	}

	@Test
	void malformedEnvelopesAreDroppedByReason() {
		InvalidationCodec codec = codec(SECRET);
		assertThat(drop(codec, "{\"v\":1,\"type\":\"signed\",\"body\":\"{}\"}")).isEqualTo(DropReason.MISSING_FIELD);
		assertThat(drop(codec, "{\"v\":1,\"type\":\"signed\",\"sig\":\"00\"}")).isEqualTo(DropReason.MISSING_FIELD);
		assertThat(drop(codec, "{\"v\":1,\"type\":\"signed\",\"sig\":1,\"body\":\"{}\"}"))
			.isEqualTo(DropReason.INVALID_FIELD);
		assertThat(drop(codec, "{\"v\":1,\"type\":\"signed\",\"sig\":\"00\",\"body\":{}}"))
			.isEqualTo(DropReason.INVALID_FIELD);
		InvalidationCodec open = new InvalidationCodec(65536, null, null);
		assertThat(drop(open, "{\"v\":1,\"type\":\"signed\",\"sig\":\"00\",\"body\":\"not json\"}"))
			.isEqualTo(DropReason.MALFORMED);
		assertThat(drop(open, "{\"v\":1,\"type\":\"signed\",\"sig\":\"00\",\"body\":"
				+ "\"{\\\"v\\\":1,\\\"type\\\":\\\"signed\\\",\\\"sig\\\":\\\"00\\\",\\\"body\\\":\\\"{}\\\"}\"}"))
			.as("an envelope inside an envelope")
			.isEqualTo(DropReason.INVALID_FIELD);
	}

	@Test
	void encodedSizeStaysWithinTheBoundThePublisherSplitsBy() {
		InvalidationCodec codec = codec(SECRET);
		InvalidationCodec unsigned = new InvalidationCodec(65536, null, null);
		String worst = "\"\\".repeat(500);
		InvalidationMessage message = new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "\"\"\"", 1L,
				this.now, "\\\\", List.of(worst, worst, "\u0001\u2028é"));
		int unsignedSize = unsigned.encode(message).length;
		assertThat((long) codec.encode(message).length).isLessThanOrEqualTo(codec.upperBoundOfEncodedSize(unsignedSize));
		assertThat(unsigned.upperBoundOfEncodedSize(unsignedSize)).isEqualTo(unsignedSize);
	}

	@Test
	void oversizedEnvelopeIsDroppedBeforeParsing() {
		InvalidationCodec small = new InvalidationCodec(256, signing(SECRET, null, false), null);
		byte[] bytes = codec(SECRET).encode(new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "web-1", 1L,
				this.now, "products", List.of("x".repeat(200))));
		assertThat(small.decode(bytes).dropReason()).isEqualTo(DropReason.OVERSIZED);
	}

	@Test
	void shortSecretIsRefusedWithTheFix() {
		assertThatIllegalArgumentException().isThrownBy(() -> signing("too-short", null, false))
			.withMessageContaining("at least 32 bytes")
			.withMessageContaining("openssl rand -base64 32");
	}

	private static DropReason drop(InvalidationCodec codec, String json) {
		return codec.decode(json.getBytes(StandardCharsets.UTF_8)).dropReason();
	}

}
