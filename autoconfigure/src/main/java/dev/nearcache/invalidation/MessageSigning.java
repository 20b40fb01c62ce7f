package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongSupplier;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * HMAC-SHA256 signatures of messages, for channels that others can publish on (a shared Redis).
 * <p>
 * A signature covers the exact bytes of the v1 message that travel as the {@code body} string of a
 * {@code signed} envelope, never a re-serialised form: JSON serialisers differ across languages, bytes do not.
 * Messages are signed with the current secret and verified against it and, during a rotation, a second accepted
 * secret. A signed message must carry {@code ts} within {@link #maxAge()} of this instance's clock, so that a
 * captured message cannot be replayed later.
 */
public final class MessageSigning {

	/** Shortest secret accepted, in UTF-8 bytes: the output size of SHA-256, as RFC 2104 recommends. */
	public static final int MIN_SECRET_BYTES = 32;

	private static final String ALGORITHM = "HmacSHA256";

	private static final HexFormat HEX = HexFormat.of();

	private final SecretKeySpec signingKey;

	private final List<SecretKeySpec> verifyingKeys;

	private final long maxAgeMillis;

	private final boolean acceptUnsigned;

	private final LongSupplier clock;

	/**
	 * Create a signing configuration.
	 * @param secret secret that signs outgoing messages and verifies received ones
	 * @param acceptedSecret a second secret also accepted on received messages, never used to sign; for rotation
	 * @param maxAge how far a signed message's {@code ts} may be from this instance's clock, either way
	 * @param acceptUnsigned whether unsigned messages are still applied (while signing is rolled out)
	 */
	public MessageSigning(String secret, @Nullable String acceptedSecret, Duration maxAge, boolean acceptUnsigned) {
		this(secret, acceptedSecret, maxAge, acceptUnsigned, System::currentTimeMillis);
	}

	MessageSigning(String secret, @Nullable String acceptedSecret, Duration maxAge, boolean acceptUnsigned,
			LongSupplier clock) {
		this.signingKey = key(secret);
		List<SecretKeySpec> keys = new ArrayList<>(2);
		keys.add(this.signingKey);
		if (acceptedSecret != null && !acceptedSecret.isEmpty()) {
			keys.add(key(acceptedSecret));
		}
		this.verifyingKeys = List.copyOf(keys);
		this.maxAgeMillis = maxAge.toMillis();
		this.acceptUnsigned = acceptUnsigned;
		this.clock = clock;
	}

	private static SecretKeySpec key(String secret) {
		byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
		if (bytes.length < MIN_SECRET_BYTES) {
			throw new IllegalArgumentException("A signing secret must be at least " + MIN_SECRET_BYTES
					+ " bytes long, not " + bytes.length + "; generate one with 'openssl rand -base64 32'");
		}
		return new SecretKeySpec(bytes, ALGORITHM);
	}

	/**
	 * Return how far a signed message's timestamp may be from this instance's clock.
	 * @return the window, either way
	 */
	public Duration maxAge() {
		return Duration.ofMillis(this.maxAgeMillis);
	}

	/**
	 * Return whether unsigned messages are still applied.
	 * @return {@code true} while signing is being rolled out
	 */
	public boolean acceptUnsigned() {
		return this.acceptUnsigned;
	}

	/**
	 * Sign the exact bytes of a message.
	 * @param body the v1 message, UTF-8
	 * @return the signature, 64 lowercase hex digits
	 */
	public String sign(byte[] body) {
		return HEX.formatHex(mac(this.signingKey, body));
	}

	/**
	 * Check a signature against every accepted secret, in constant time per secret.
	 * @param body the bytes that were signed
	 * @param signature the received signature, hex
	 * @return whether one of the secrets produced it
	 */
	boolean verify(byte[] body, String signature) {
		byte[] expected;
		try {
			expected = HEX.parseHex(signature);
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
		boolean valid = false;
		for (SecretKeySpec key : this.verifyingKeys) {
			valid |= MessageDigest.isEqual(expected, mac(key, body));
		}
		return valid;
	}

	/**
	 * Check a signed message's timestamp against this instance's clock.
	 * @param timestamp the message's {@code ts}, epoch milliseconds
	 * @return whether it is within the window
	 */
	boolean isFresh(long timestamp) {
		return Math.abs(this.clock.getAsLong() - timestamp) <= this.maxAgeMillis;
	}

	private static byte[] mac(SecretKeySpec key, byte[] body) {
		try {
			// A Mac is stateful; one per call costs about a microsecond and needs no thread confinement.
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(key);
			return mac.doFinal(body);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is required of every Java platform", ex);
		}
	}

}
