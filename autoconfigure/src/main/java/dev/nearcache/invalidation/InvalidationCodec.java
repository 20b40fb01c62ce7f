package dev.nearcache.invalidation;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one owner of wire protocol v1: turns {@link InvalidationMessage messages} into JSON bytes and back.
 * <p>
 * Decoding never throws: every input is either a message or a {@link DropReason}. The size limit is checked
 * before parsing, the parser refuses deep nesting and duplicate fields, and keys are read as strings only;
 * nothing in a message can name a Java type.
 */
public final class InvalidationCodec {

	private static final int MAX_NESTING_DEPTH = 8;

	private final JsonMapper mapper;

	private final int maxMessageSize;

	/**
	 * Create a codec.
	 * @param maxMessageSize the largest message, in bytes, that is read or written
	 */
	public InvalidationCodec(int maxMessageSize) {
		this.maxMessageSize = maxMessageSize;
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
	public int maxMessageSize() {
		return this.maxMessageSize;
	}

	/**
	 * Write a message.
	 * @param message the message
	 * @return its JSON bytes (UTF-8)
	 */
	public byte[] encode(InvalidationMessage message) {
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
		return this.mapper.writeValueAsBytes(json);
	}

	/**
	 * Read a message.
	 * @param bytes the received bytes
	 * @return the message, or why it is dropped
	 */
	public Decoded decode(byte[] bytes) {
		if (bytes.length > this.maxMessageSize) {
			return Decoded.dropped(DropReason.OVERSIZED);
		}
		JsonNode json;
		try {
			// Strict UTF-8 first: Jackson's decoder accepts overlong forms and unpaired surrogates.
			String text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
			json = this.mapper.readTree(text);
		}
		catch (CharacterCodingException ex) {
			return Decoded.dropped(DropReason.MALFORMED);
		}
		catch (JacksonException | IllegalArgumentException ex) {
			return Decoded.dropped(DropReason.MALFORMED);
		}
		if (json == null || !json.isObject()) {
			return Decoded.dropped(DropReason.MALFORMED);
		}
		return decode(json);
	}

	private Decoded decode(JsonNode json) {
		JsonNode version = json.get("v");
		JsonNode typeName = json.get("type");
		if (isAbsent(version) || isAbsent(typeName)) {
			return Decoded.dropped(DropReason.MISSING_FIELD);
		}
		if (!version.isIntegralNumber() || !version.canConvertToLong() || version.longValue() < 1) {
			return Decoded.dropped(DropReason.INVALID_FIELD);
		}
		if (version.longValue() > InvalidationMessage.VERSION) {
			return Decoded.dropped(DropReason.UNSUPPORTED_VERSION);
		}
		if (!typeName.isString()) {
			return Decoded.dropped(DropReason.INVALID_FIELD);
		}
		InvalidationMessage.Type type = InvalidationMessage.Type.fromWireName(typeName.stringValue());
		if (type == null) {
			return Decoded.dropped(DropReason.UNKNOWN_TYPE);
		}
		JsonNode origin = json.get("origin");
		JsonNode cache = json.get("cache");
		JsonNode mode = json.get("mode");
		if (!isAbsent(origin) && !origin.isString() || !isAbsent(cache) && !cache.isString()
				|| !isAbsent(mode) && !mode.isString()) {
			return Decoded.dropped(DropReason.INVALID_FIELD);
		}
		Long seq;
		Long timestamp;
		try {
			seq = optionalCount(json.get("seq"));
			timestamp = optionalCount(json.get("ts"));
		}
		catch (IllegalArgumentException ex) {
			return Decoded.dropped(DropReason.INVALID_FIELD);
		}
		List<String> keys = List.of();
		if (type == InvalidationMessage.Type.INVALIDATE) {
			JsonNode keyArray = json.get("keys");
			if (isAbsent(cache) || isAbsent(keyArray)) {
				return Decoded.dropped(DropReason.MISSING_FIELD);
			}
			keys = stringsOrNull(keyArray);
			if (keys == null || cache.stringValue().isEmpty()) {
				return Decoded.dropped(DropReason.INVALID_FIELD);
			}
		}
		return Decoded.message(new InvalidationMessage(type, isAbsent(origin) ? null : origin.stringValue(), seq,
				timestamp, isAbsent(cache) ? null : cache.stringValue(), keys, isAbsent(mode) ? null : mode.stringValue()));
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

	/**
	 * The outcome of decoding: exactly one of message and drop reason is set.
	 *
	 * @param message the message
	 * @param dropReason why the input was dropped
	 */
	public record Decoded(@Nullable InvalidationMessage message, @Nullable DropReason dropReason) {

		static Decoded message(InvalidationMessage message) {
			return new Decoded(message, null);
		}

		static Decoded dropped(DropReason reason) {
			return new Decoded(null, reason);
		}

	}

}
