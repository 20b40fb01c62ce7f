package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The one owner of wire protocol v1: turns {@link InvalidationMessage messages} into JSON bytes and back.
 * <p>
 * A codec serves one process start: it stamps its {@linkplain #incarnation() incarnation} into every message it
 * writes, so that the wire tells each start of an instance id apart.
 * <p>
 * Decoding never throws: every input is either a message or a {@link DropReason}. The size limit is checked
 * before parsing, the parser refuses deep nesting and duplicate fields, and keys are read as strings only;
 * nothing in a message can name a Java type.
 * <p>
 * With {@link MessageSigning} every message is written as a {@code signed} envelope, {@code {"v":1,"type":"signed",
 * "sig":"<hex HMAC>","body":"<v1 message>"}}, and received messages must be such envelopes with a valid signature
 * and a fresh {@code ts} (unless unsigned ones are still accepted). Without it, an envelope's body is applied
 * unverified, so that instances can be switched to signing one at a time.
 * <p>
 * Encoding and decoding create little beyond their result (an invalidation is on every write's path and on every
 * instance's receiving path): JSON is written by a {@link JsonWriter} into a buffer reused per thread and handed
 * out as an exact-size copy, and read by a {@link StrictJsonReader} straight from the received bytes, which
 * creates strings only for the values a message carries (and not even those for senders and caches it saw
 * recently). Any thread may encode and decode; each has its own buffers.
 */
public final class InvalidationCodec {

	static final String SIGNED_TYPE = "signed";

	// The members of a message (and of an envelope) the reader remembers, by index.
	private static final int V = 0, TYPE = 1, ORIGIN = 2, SEQ = 3, TS = 4, CACHE = 5, KEYS = 6, MODE = 7, INC = 8,
			SIG = 9, BODY = 10;

	private static final List<String> MEMBERS = List.of("v", "type", "origin", "seq", "ts", "cache", "keys", "mode",
			"inc", "sig", "body");

	private static final byte[] SIGNED = ascii(SIGNED_TYPE);

	private static final byte[] EMPTY = {};

	private static final byte[][] TYPE_NAMES = new byte[InvalidationMessage.Type.values().length][];

	private static final byte[] OBJECT_START = ascii("{\"v\":" + InvalidationMessage.VERSION + ",\"type\":");

	private static final byte[] ORIGIN_NAME = ascii(",\"origin\":");

	private static final byte[] SEQ_NAME = ascii(",\"seq\":");

	private static final byte[] TS_NAME = ascii(",\"ts\":");

	private static final byte[] CACHE_NAME = ascii(",\"cache\":");

	private static final byte[] KEYS_NAME = ascii(",\"keys\":[");

	private static final byte[] MODE_NAME = ascii(",\"mode\":");

	private static final byte[] INC_NAME = ascii(",\"inc\":");

	private static final byte[] ENVELOPE_START = ascii("{\"v\":" + InvalidationMessage.VERSION
			+ ",\"type\":\"signed\",\"sig\":\"");

	private static final byte[] ENVELOPE_BODY = ascii("\",\"body\":");

	private static final byte[] HEX_DIGITS = ascii("0123456789abcdef");

	private static final Map<DropReason, Decoded> DROPPED = new EnumMap<>(DropReason.class);

	static {
		for (InvalidationMessage.Type type : InvalidationMessage.Type.values()) {
			TYPE_NAMES[type.ordinal()] = ascii(type.wireName());
		}
		for (DropReason reason : DropReason.values()) {
			DROPPED.put(reason, new Decoded(null, reason));
		}
	}

	private final int maxMessageSize;

	private final @Nullable MessageSigning signing;

	private final @Nullable String incarnation;

	private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

	/**
	 * Create a codec for unsigned messages, with a new incarnation.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 */
	public InvalidationCodec(int maxMessageSize) {
		this(maxMessageSize, null);
	}

	/**
	 * Create a codec with a new incarnation: one codec serves one process start.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 * @param signing how messages are signed and verified, or {@code null} for unsigned messages
	 */
	public InvalidationCodec(int maxMessageSize, @Nullable MessageSigning signing) {
		this(maxMessageSize, signing, newIncarnation());
	}

	/**
	 * Create a codec.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 * @param signing how messages are signed and verified, or {@code null} for unsigned messages
	 * @param incarnation written as {@code inc} into every message this process sends; {@code null} writes none,
	 * as senders before it did
	 */
	public InvalidationCodec(int maxMessageSize, @Nullable MessageSigning signing, @Nullable String incarnation) {
		this.maxMessageSize = maxMessageSize;
		this.signing = signing;
		this.incarnation = incarnation;
	}

	/**
	 * Return the largest message size in bytes.
	 * @return the limit
	 */
	public int maxMessageSize() {
		return this.maxMessageSize;
	}

	/**
	 * Return this process start's incarnation, written as {@code inc} into every message it sends: a receiver tells
	 * a restarted sender, or a second live process with the same instance id, from the one it knew.
	 * @return the incarnation, or {@code null} if messages are written without one
	 */
	public @Nullable String incarnation() {
		return this.incarnation;
	}

	/** 64 random bits: two process starts share one with a negligible probability, and no clock is involved. */
	private static String newIncarnation() {
		return HexFormat.of().toHexDigits(new SecureRandom().nextLong());
	}

	/**
	 * Return whether written messages are signed (and received ones must be).
	 * @return whether signing is on
	 */
	public boolean isSigning() {
		return this.signing != null;
	}

	/**
	 * Bound the written size of a message from a bound of its unsigned size.
	 * @param unsignedSize an upper bound of the unsigned message's size in bytes
	 * @return an upper bound of the size {@link #encode} returns
	 */
	public long upperBoundOfEncodedSize(long unsignedSize) {
		// As a JSON string, each byte of the body takes at most two: '"' and '\\' are escaped, nothing else is.
		return (this.signing != null) ? 2 * unsignedSize + 128 : unsignedSize;
	}

	/**
	 * Write a message, signed if signing is on.
	 * @param message the message
	 * @return its JSON bytes (UTF-8)
	 */
	public byte[] encode(InvalidationMessage message) {
		String incarnation = (message.incarnation() != null) ? message.incarnation() : this.incarnation;
		Long seq = message.seq();
		Long timestamp = message.timestamp();
		JsonWriter json = this.buffers.get().writer;
		json.reset();
		writeMessage(json, message.type(), message.origin(), seq != null, (seq != null) ? seq : 0,
				timestamp != null, (timestamp != null) ? timestamp : 0, message.cache(), message.keys(), message.mode(),
				incarnation);
		return finish(json);
	}

	/**
	 * Write a message of this process, signed if signing is on, straight from the sender's state: the publisher's
	 * path, which builds no {@link InvalidationMessage} and copies no keys.
	 * @param type what the message asks for
	 * @param origin this instance's id
	 * @param seq the message's sequence number
	 * @param timestamp epoch milliseconds now
	 * @param cache the cache it applies to, or {@code null} for a clear of every cache and for heartbeats
	 * @param keys the canonical keys to evict, for {@link InvalidationMessage.Type#INVALIDATE}; ignored otherwise
	 * @param mode the channel layout, for heartbeats; {@code null} otherwise
	 * @return its JSON bytes (UTF-8), a new array
	 */
	public byte[] encode(InvalidationMessage.Type type, String origin, long seq, long timestamp,
			@Nullable String cache, Collection<String> keys, @Nullable String mode) {
		JsonWriter json = this.buffers.get().writer;
		json.reset();
		writeMessage(json, type, origin, true, seq, true, timestamp, cache, keys, mode, this.incarnation);
		return finish(json);
	}

	private static void writeMessage(JsonWriter json, InvalidationMessage.Type type, @Nullable String origin,
			boolean hasSeq, long seq, boolean hasTimestamp, long timestamp, @Nullable String cache,
			Collection<String> keys, @Nullable String mode, @Nullable String incarnation) {
		json.raw(OBJECT_START).raw('"').raw(TYPE_NAMES[type.ordinal()]).raw('"');
		if (origin != null) {
			json.raw(ORIGIN_NAME).string(origin);
		}
		if (hasSeq) {
			json.raw(SEQ_NAME).number(seq);
		}
		if (hasTimestamp) {
			json.raw(TS_NAME).number(timestamp);
		}
		if (cache != null) {
			json.raw(CACHE_NAME).string(cache);
		}
		if (type == InvalidationMessage.Type.INVALIDATE) {
			json.raw(KEYS_NAME);
			boolean first = true;
			for (String key : keys) {
				if (!first) {
					json.raw(',');
				}
				json.string(key);
				first = false;
			}
			json.raw(']');
		}
		if (mode != null) {
			json.raw(MODE_NAME).string(mode);
		}
		if (incarnation != null) {
			json.raw(INC_NAME).string(incarnation);
		}
		json.raw('}');
	}

	/** Copy the written message out, or sign it and write its envelope straight into the array handed out. */
	private byte[] finish(JsonWriter json) {
		if (this.signing == null) {
			return json.toByteArray();
		}
		byte[] body = json.buffer();
		int length = json.length();
		byte[] signature = this.buffers.get().signature;
		this.signing.sign(body, 0, length, signature);
		byte[] envelope = new byte[ENVELOPE_START.length + 2 * signature.length + ENVELOPE_BODY.length
				+ JsonWriter.utf8StringSize(body, 0, length) + 1];
		System.arraycopy(ENVELOPE_START, 0, envelope, 0, ENVELOPE_START.length);
		int at = ENVELOPE_START.length;
		for (byte b : signature) {
			envelope[at++] = HEX_DIGITS[(b >> 4) & 0xF];
			envelope[at++] = HEX_DIGITS[b & 0xF];
		}
		System.arraycopy(ENVELOPE_BODY, 0, envelope, at, ENVELOPE_BODY.length);
		at = JsonWriter.utf8String(body, 0, length, envelope, at + ENVELOPE_BODY.length);
		envelope[at] = '}';
		return envelope;
	}

	/**
	 * Read a message.
	 * @param bytes the received bytes
	 * @return the message, or why it is dropped
	 */
	public Decoded decode(byte[] bytes) {
		if (bytes.length > this.maxMessageSize) {
			return dropped(DropReason.OVERSIZED);
		}
		Buffers buffers = this.buffers.get();
		StrictJsonReader json = buffers.reader;
		if (!json.read(bytes, bytes.length)) {
			return dropped(DropReason.MALFORMED);
		}
		if (isEnvelope(json)) {
			return decodeEnvelope(json, buffers);
		}
		if (this.signing != null && !this.signing.acceptUnsigned()) {
			return dropped(DropReason.UNSIGNED);
		}
		return decode(json, buffers);
	}

	private Decoded decodeEnvelope(StrictJsonReader envelope, Buffers buffers) {
		if (envelope.isAbsent(SIG) || envelope.isAbsent(BODY)) {
			return dropped(DropReason.MISSING_FIELD);
		}
		if (envelope.kind(SIG) != StrictJsonReader.STRING || envelope.kind(BODY) != StrictJsonReader.STRING) {
			return dropped(DropReason.INVALID_FIELD);
		}
		byte[] body = buffers.body(envelope.rawLength(BODY));
		int bodyLength = envelope.utf8(BODY, body);
		if (this.signing != null) {
			int signatureLength = envelope.unescape(SIG);
			if (!this.signing.verify(body, 0, bodyLength, envelope.chars(), signatureLength)) {
				return dropped(DropReason.BAD_SIGNATURE);
			}
		}
		StrictJsonReader json = buffers.reader;
		if (!json.read(body, bodyLength)) {
			return dropped(DropReason.MALFORMED);
		}
		if (isEnvelope(json)) {
			return dropped(DropReason.INVALID_FIELD);
		}
		Decoded decoded = decode(json, buffers);
		InvalidationMessage message = decoded.message();
		if (message == null || this.signing == null) {
			return decoded;
		}
		if (message.timestamp() == null) {
			return dropped(DropReason.MISSING_FIELD);
		}
		return this.signing.isFresh(message.timestamp()) ? decoded : dropped(DropReason.EXPIRED);
	}

	private static boolean isEnvelope(StrictJsonReader json) {
		return json.kind(TYPE) == StrictJsonReader.STRING && json.stringEquals(TYPE, SIGNED);
	}

	private Decoded decode(StrictJsonReader json, Buffers buffers) {
		if (json.isAbsent(V) || json.isAbsent(TYPE)) {
			return dropped(DropReason.MISSING_FIELD);
		}
		if (json.kind(V) != StrictJsonReader.INTEGER || json.integer(V) < 1) {
			return dropped(DropReason.INVALID_FIELD);
		}
		if (json.integer(V) > InvalidationMessage.VERSION) {
			return dropped(DropReason.UNSUPPORTED_VERSION);
		}
		if (json.kind(TYPE) != StrictJsonReader.STRING) {
			return dropped(DropReason.INVALID_FIELD);
		}
		InvalidationMessage.Type type = type(json);
		if (type == null) {
			return dropped(DropReason.UNKNOWN_TYPE);
		}
		if (!isAbsentOrString(json, ORIGIN) || !isAbsentOrString(json, CACHE) || !isAbsentOrString(json, MODE)
				|| !isAbsentOrString(json, INC) || !isAbsentOrCount(json, SEQ) || !isAbsentOrCount(json, TS)) {
			return dropped(DropReason.INVALID_FIELD);
		}
		List<String> keys = List.of();
		if (type == InvalidationMessage.Type.INVALIDATE) {
			if (json.isAbsent(CACHE) || json.isAbsent(KEYS)) {
				return dropped(DropReason.MISSING_FIELD);
			}
			if (json.kind(KEYS) != StrictJsonReader.ARRAY || !json.isArrayOfStrings(KEYS)
					|| json.stringEquals(CACHE, EMPTY)) {
				return dropped(DropReason.INVALID_FIELD);
			}
			keys = keys(json, buffers.keys);
		}
		RecentStrings recent = buffers.recent;
		return new Decoded(new InvalidationMessage(type, optionalString(json, ORIGIN, recent), optionalCount(json, SEQ),
				optionalCount(json, TS), optionalString(json, CACHE, recent), keys,
				optionalString(json, MODE, recent), optionalString(json, INC, recent)), null);
	}

	private static InvalidationMessage.@Nullable Type type(StrictJsonReader json) {
		for (InvalidationMessage.Type type : InvalidationMessage.Type.values()) {
			if (json.stringEquals(TYPE, TYPE_NAMES[type.ordinal()])) {
				return type;
			}
		}
		return null;
	}

	private static boolean isAbsentOrString(StrictJsonReader json, int member) {
		return json.isAbsent(member) || json.kind(member) == StrictJsonReader.STRING;
	}

	private static boolean isAbsentOrCount(StrictJsonReader json, int member) {
		return json.isAbsent(member) || json.kind(member) == StrictJsonReader.INTEGER && json.integer(member) >= 0;
	}

	private static @Nullable String optionalString(StrictJsonReader json, int member, RecentStrings recent) {
		return json.isAbsent(member) ? null : json.string(member, recent);
	}

	private static @Nullable Long optionalCount(StrictJsonReader json, int member) {
		return json.isAbsent(member) ? null : json.integer(member);
	}

	/** The keys as an immutable list, which {@link InvalidationMessage} keeps without copying it again. */
	private static List<String> keys(StrictJsonReader json, ArrayList<String> scratch) {
		scratch.clear();
		json.strings(KEYS, scratch);
		List<String> keys = switch (scratch.size()) {
			case 0 -> List.of();
			case 1 -> List.of(scratch.get(0));
			case 2 -> List.of(scratch.get(0), scratch.get(1));
			default -> List.copyOf(scratch);
		};
		scratch.clear();
		return keys;
	}

	private static Decoded dropped(DropReason reason) {
		return DROPPED.get(reason);
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

	/** One thread's reusable buffers. */
	private static final class Buffers {

		final JsonWriter writer = new JsonWriter();

		final StrictJsonReader reader = new StrictJsonReader(MEMBERS);

		final RecentStrings recent = new RecentStrings();

		final ArrayList<String> keys = new ArrayList<>();

		final byte[] signature = new byte[MessageSigning.SIGNATURE_BYTES];

		private byte[] body = new byte[512];

		/**
		 * A buffer for an envelope's body, whose UTF-8 form is never longer than its escaped form in the envelope.
		 * Kept for the next message up to 64 KiB (the default size limit).
		 */
		byte[] body(int rawLength) {
			if (this.body.length < rawLength) {
				if (rawLength > 64 * 1024) {
					return new byte[rawLength];
				}
				this.body = new byte[Math.max(rawLength, Math.min(2 * this.body.length, 64 * 1024))];
			}
			return this.body;
		}

	}

	/**
	 * The outcome of decoding: exactly one of message and drop reason is set.
	 *
	 * @param message the message
	 * @param dropReason why the input was dropped
	 */
	public record Decoded(@Nullable InvalidationMessage message, @Nullable DropReason dropReason) {

	}

}
