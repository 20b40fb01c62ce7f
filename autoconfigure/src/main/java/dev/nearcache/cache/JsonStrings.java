package dev.nearcache.cache;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Writes the JSON array that is the canonical form of a composite key. Kept free of a JSON library so the
 * form is defined by these few lines rather than by a serializer's configuration.
 */
final class JsonStrings {

	private JsonStrings() {
	}

	static String array(List<@Nullable String> elements) {
		StringBuilder json = new StringBuilder(2 + elements.size() * 8).append('[');
		for (int i = 0; i < elements.size(); i++) {
			if (i > 0) {
				json.append(',');
			}
			String element = elements.get(i);
			if (element == null) {
				json.append("null");
			}
			else {
				appendString(json, element);
			}
		}
		return json.append(']').toString();
	}

	private static void appendString(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				case '\b' -> json.append("\\b");
				case '\f' -> json.append("\\f");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		json.append('"');
	}

}
