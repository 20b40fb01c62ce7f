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

	/** Size of an HMAC-SHA256 signature. */
	static final int SIGNATURE_BYTES = 32;

	private static final String ALGORITHM = "HmacSHA256";

	private static final HexFormat HEX = HexFormat.of();

	private final SecretKeySpec signingKey;

	private final List<SecretKeySpec> verifyingKeys;

	private final long maxAgeMillis;

	private final boolean acceptUnsigned;

	private final LongSupplier clock;

	/**
	 * A {@link Mac} per key and thread: a Mac is stateful, and creating one per message cost more than the rest of
	 * encoding. {@code doFinal} leaves it reset for the next message.
	 */
	private final ThreadLocal<Mac[]> macs = ThreadLocal.withInitial(this::newMacs);

	/** Per thread: the received signature's bytes and a computed one. */
	private final ThreadLocal<byte[][]> scratch = ThreadLocal
		.withInitial(() -> new byte[][] { new byte[SIGNATURE_BYTES], new byte[SIGNATURE_BYTES] });

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
		byte[] signature = new byte[SIGNATURE_BYTES];
		sign(body, 0, body.length, signature);
		return HEX.formatHex(signature);
	}

	/**
	 * Sign the exact bytes of a message, without creating anything per call.
	 * @param body the v1 message, UTF-8
	 * @param from where it starts in {@code body}
	 * @param to where it ends
	 * @param signature receives the {@value #SIGNATURE_BYTES} bytes of the signature
	 */
	void sign(byte[] body, int from, int to, byte[] signature) {
		mac(0, body, from, to, signature);
	}

	/**
	 * Check a signature against every accepted secret, in constant time per secret.
	 * @param body the bytes that were signed
	 * @param signature the received signature, hex
	 * @return whether one of the secrets produced it
	 */
	boolean verify(byte[] body, String signature) {
		return verify(body, 0, body.length, signature.toCharArray(), signature.length());
	}

	/**
	 * Check a signature against every accepted secret, in constant time per secret, without creating anything
	 * per call.
	 * @param body holds the bytes that were signed
	 * @param from where they start
	 * @param to where they end
	 * @param signature holds the received signature, hex in either case
	 * @param length how many chars of {@code signature} it takes
	 * @return whether one of the secrets produced it
	 */
	boolean verify(byte[] body, int from, int to, char[] signature, int length) {
		byte[][] scratch = this.scratch.get();
		byte[] expected = scratch[0];
		if (length != 2 * SIGNATURE_BYTES) {
			return false;
		}
		for (int i = 0; i < SIGNATURE_BYTES; i++) {
			int high = Character.digit(signature[2 * i], 16);
			int low = Character.digit(signature[2 * i + 1], 16);
			if (high < 0 || low < 0 || signature[2 * i] > 'f' || signature[2 * i + 1] > 'f') {
				return false;
			}
			expected[i] = (byte) ((high << 4) | low);
		}
		boolean valid = false;
		for (int key = 0; key < this.verifyingKeys.size(); key++) {
			mac(key, body, from, to, scratch[1]);
			valid |= MessageDigest.isEqual(expected, scratch[1]);
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

	/** Sign with the given key (0 signs, the others only verify) using this thread's {@link Mac} for it. */
	private void mac(int key, byte[] body, int from, int to, byte[] signature) {
		Mac mac = this.macs.get()[key];
		try {
			mac.update(body, from, to - from);
			mac.doFinal(signature, 0);
		}
		catch (GeneralSecurityException ex) {
			mac.reset();
			throw new IllegalStateException("HmacSHA256 writes 32 bytes", ex);
		}
	}

	private Mac[] newMacs() {
		Mac[] macs = new Mac[this.verifyingKeys.size()];
		try {
			for (int i = 0; i < macs.length; i++) {
				macs[i] = Mac.getInstance(ALGORITHM);
				macs[i].init(this.verifyingKeys.get(i));
			}
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is required of every Java platform", ex);
		}
		return macs;
	}

}
