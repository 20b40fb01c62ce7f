package dev.nearcache.invalidation;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.nearcache.invalidation.InvalidationCodec.Decoded;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The codec as it was before the hand-written reader and writer: Jackson trees, kept verbatim as the oracle of
 * {@link InvalidationCodecDifferentialTests}. Not used by production code.
 */
final class JacksonInvalidationCodec {

	private static final int MAX_NESTING_DEPTH = 8;

	static final String SIGNED_TYPE = "signed";

	private final JsonMapper mapper;

	private final int maxMessageSize;

	private final @Nullable MessageSigning signing;

	private final @Nullable String incarnation;

	/**
	 * Create a codec for unsigned messages, with a new incarnation.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 */
	JacksonInvalidationCodec(int maxMessageSize) {
		this(maxMessageSize, null);
	}

	/**
	 * Create a codec with a new incarnation: one codec serves one process start.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 * @param signing how messages are signed and verified, or {@code null} for unsigned messages
	 */
	JacksonInvalidationCodec(int maxMessageSize, @Nullable MessageSigning signing) {
		this(maxMessageSize, signing, newIncarnation());
	}

	/**
	 * Create a codec.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 * @param signing how messages are signed and verified, or {@code null} for unsigned messages
	 * @param incarnation written as {@code inc} into every message this process sends; {@code null} writes none,
	 * as senders before it did
	 */
	JacksonInvalidationCodec(int maxMessageSize, @Nullable MessageSigning signing, @Nullable String incarnation) {
		this.maxMessageSize = maxMessageSize;
		this.signing = signing;
		this.incarnation = incarnation;
		JsonFactory factory = JsonFactory.builder()
			.streamReadConstraints(StreamReadConstraints.builder()
				.maxNestingDepth(MAX_NESTING_DEPTH)
				.maxDocumentLength(maxMessageSize)
				.maxNumberLength(32)
				.build())
			.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
			.build();
		this.mapper = JsonMapper.builder(factory).build();
	}

	/**
	 * Return the largest message size in bytes.
	 * @return the limit
	 */
	int maxMessageSize() {
		return this.maxMessageSize;
	}

	/**
	 * Return this process start's incarnation, written as {@code inc} into every message it sends: a receiver tells
	 * a restarted sender, or a second live process with the same instance id, from the one it knew.
	 * @return the incarnation, or {@code null} if messages are written without one
	 */
	@Nullable String incarnation() {
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
	boolean isSigning() {
		return this.signing != null;
	}

	/**
	 * Bound the written size of a message from a bound of its unsigned size.
	 * @param unsignedSize an upper bound of the unsigned message's size in bytes
	 * @return an upper bound of the size {@link #encode} returns
	 */
	long upperBoundOfEncodedSize(long unsignedSize) {
		// As a JSON string, each byte of the body takes at most two: '"' and '\\' are escaped, nothing else is.
		return (this.signing != null) ? 2 * unsignedSize + 128 : unsignedSize;
	}

	/**
	 * Write a message, signed if signing is on.
	 * @param message the message
	 * @return its JSON bytes (UTF-8)
	 */
	byte[] encode(InvalidationMessage message) {
		byte[] body = encodeUnsigned(message);
		if (this.signing == null) {
			return body;
		}
		ObjectNode envelope = this.mapper.createObjectNode();
		envelope.put("v", InvalidationMessage.VERSION);
		envelope.put("type", SIGNED_TYPE);
		envelope.put("sig", this.signing.sign(body));
		envelope.put("body", new String(body, StandardCharsets.UTF_8));
		return this.mapper.writeValueAsBytes(envelope);
	}

	private byte[] encodeUnsigned(InvalidationMessage message) {
		ObjectNode json = this.mapper.createObjectNode();
		json.put("v", InvalidationMessage.VERSION);
		json.put("type", message.type().wireName());
		if (message.origin() != null) {
			json.put("origin", message.origin());
		}
		if (message.seq() != null) {
			json.put("seq", message.seq());
		}
		if (message.timestamp() != null) {
			json.put("ts", message.timestamp());
		}
		if (message.cache() != null) {
			json.put("cache", message.cache());
		}
		if (message.type() == InvalidationMessage.Type.INVALIDATE) {
			ArrayNode keys = json.putArray("keys");
			message.keys().forEach(keys::add);
		}
		if (message.mode() != null) {
			json.put("mode", message.mode());
		}
		String incarnation = (message.incarnation() != null) ? message.incarnation() : this.incarnation;
		if (incarnation != null) {
			json.put("inc", incarnation);
		}
		return this.mapper.writeValueAsBytes(json);
	}

	/**
	 * Read a message.
	 * @param bytes the received bytes
	 * @return the message, or why it is dropped
	 */
	Decoded decode(byte[] bytes) {
		if (bytes.length > this.maxMessageSize) {
			return dropped(DropReason.OVERSIZED);
		}
		JsonNode json = parse(bytes);
		if (json == null) {
			return dropped(DropReason.MALFORMED);
		}
		if (isEnvelope(json)) {
			return decodeEnvelope(json);
		}
		if (this.signing != null && !this.signing.acceptUnsigned()) {
			return dropped(DropReason.UNSIGNED);
		}
		return decode(json);
	}

	private Decoded decodeEnvelope(JsonNode envelope) {
		JsonNode signature = envelope.get("sig");
		JsonNode body = envelope.get("body");
		if (isAbsent(signature) || isAbsent(body)) {
			return dropped(DropReason.MISSING_FIELD);
		}
		if (!signature.isString() || !body.isString()) {
			return dropped(DropReason.INVALID_FIELD);
		}
		byte[] bodyBytes = body.stringValue().getBytes(StandardCharsets.UTF_8);
		if (this.signing != null && !this.signing.verify(bodyBytes, signature.stringValue())) {
			return dropped(DropReason.BAD_SIGNATURE);
		}
		JsonNode json = parse(bodyBytes);
		if (json == null) {
			return dropped(DropReason.MALFORMED);
		}
		if (isEnvelope(json)) {
			return dropped(DropReason.INVALID_FIELD);
		}
		Decoded decoded = decode(json);
		InvalidationMessage message = decoded.message();
		if (message == null || this.signing == null) {
			return decoded;
		}
		if (message.timestamp() == null) {
			return dropped(DropReason.MISSING_FIELD);
		}
		return this.signing.isFresh(message.timestamp()) ? decoded : dropped(DropReason.EXPIRED);
	}

	private static boolean isEnvelope(JsonNode json) {
		JsonNode type = json.get("type");
		return type != null && type.isString() && SIGNED_TYPE.equals(type.stringValue());
	}

	/** Parse an object, or return {@code null} for anything else, whatever is wrong with it. */
	private @Nullable JsonNode parse(byte[] bytes) {
		JsonNode json;
		try {
			if (isAsciiWithoutNul(bytes)) {
				// The usual message: ASCII is valid UTF-8 as it is, and Jackson reads the bytes without a copy.
				json = this.mapper.readTree(bytes);
			}
			else {
				// Strict UTF-8 first: Jackson's decoder accepts overlong forms and unpaired surrogates.
				String text = StandardCharsets.UTF_8.newDecoder()
					.onMalformedInput(CodingErrorAction.REPORT)
					.onUnmappableCharacter(CodingErrorAction.REPORT)
					.decode(ByteBuffer.wrap(bytes))
					.toString();
				json = this.mapper.readTree(text);
			}
		}
		catch (CharacterCodingException | JacksonException | IllegalArgumentException ex) {
			return null;
		}
		return (json != null && json.isObject()) ? json : null;
	}

	/**
	 * Whether the bytes are ASCII without NUL: valid UTF-8 as they are. NUL is excluded because Jackson guesses
	 * UTF-16 or UTF-32 from zero bytes when it reads bytes; such input takes the strict path and is refused.
	 */
	private static boolean isAsciiWithoutNul(byte[] bytes) {
		for (byte b : bytes) {
			if (b <= 0) {
				return false;
			}
		}
		return true;
	}

	private Decoded decode(JsonNode json) {
		JsonNode version = json.get("v");
		JsonNode typeName = json.get("type");
		if (isAbsent(version) || isAbsent(typeName)) {
			return dropped(DropReason.MISSING_FIELD);
		}
		if (!version.isIntegralNumber() || !version.canConvertToLong() || version.longValue() < 1) {
			return dropped(DropReason.INVALID_FIELD);
		}
		if (version.longValue() > InvalidationMessage.VERSION) {
			return dropped(DropReason.UNSUPPORTED_VERSION);
		}
		if (!typeName.isString()) {
			return dropped(DropReason.INVALID_FIELD);
		}
		InvalidationMessage.Type type = InvalidationMessage.Type.fromWireName(typeName.stringValue());
		if (type == null) {
			return dropped(DropReason.UNKNOWN_TYPE);
		}
		JsonNode origin = json.get("origin");
		JsonNode cache = json.get("cache");
		JsonNode mode = json.get("mode");
		JsonNode incarnation = json.get("inc");
		if (!isAbsent(origin) && !origin.isString() || !isAbsent(cache) && !cache.isString()
				|| !isAbsent(mode) && !mode.isString() || !isAbsent(incarnation) && !incarnation.isString()) {
			return dropped(DropReason.INVALID_FIELD);
		}
		Long seq;
		Long timestamp;
		try {
			seq = optionalCount(json.get("seq"));
			timestamp = optionalCount(json.get("ts"));
		}
		catch (IllegalArgumentException ex) {
			return dropped(DropReason.INVALID_FIELD);
		}
		List<String> keys = List.of();
		if (type == InvalidationMessage.Type.INVALIDATE) {
			JsonNode keyArray = json.get("keys");
			if (isAbsent(cache) || isAbsent(keyArray)) {
				return dropped(DropReason.MISSING_FIELD);
			}
			keys = stringsOrNull(keyArray);
			if (keys == null || cache.stringValue().isEmpty()) {
				return dropped(DropReason.INVALID_FIELD);
			}
		}
		return accepted(new InvalidationMessage(type, isAbsent(origin) ? null : origin.stringValue(), seq,
				timestamp, isAbsent(cache) ? null : cache.stringValue(), keys, isAbsent(mode) ? null : mode.stringValue(),
				isAbsent(incarnation) ? null : incarnation.stringValue()));
	}

	private static Decoded accepted(InvalidationMessage message) {
		return new Decoded(message, null);
	}

	private static Decoded dropped(DropReason reason) {
		return new Decoded(null, reason);
	}

	private static boolean isAbsent(@Nullable JsonNode node) {
		return node == null || node.isNull();
	}

	private static @Nullable Long optionalCount(@Nullable JsonNode node) {
		if (isAbsent(node)) {
			return null;
		}
		if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
			throw new IllegalArgumentException("not a non-negative integer");
		}
		return node.longValue();
	}

	private static @Nullable List<String> stringsOrNull(JsonNode array) {
		if (!array.isArray()) {
			return null;
		}
		List<String> strings = new ArrayList<>(array.size());
		for (JsonNode element : array.values()) {
			if (!element.isString()) {
				return null;
			}
			strings.add(element.stringValue());
		}
		return strings;
	}

}
