package dev.nearcache.invalidation;

import java.util.Arrays;

/**
 * Writes JSON into a buffer that is reused from message to message; {@link #toByteArray()} hands out an exact-size
 * copy. The buffer itself never leaves: the copy is what goes to Redis, so a client that writes it later (Lettuce
 * writes on its event loop) never sees the next message. One per encoding thread; not thread-safe.
 * <p>
 * Strings are written as Jackson wrote them before, so the bytes on the wire did not change: {@code "} and
 * {@code \} escaped, control characters as {@code \b \f \n \r \t} or <code>&#92;u00XX</code>, everything else
 * as UTF-8. A surrogate pair becomes its four-byte UTF-8 form; an unpaired surrogate, which has no UTF-8 form, is
 * written as a <code>&#92;uXXXX</code> escape, so the output is always valid UTF-8 and reads back as the same Java
 * string.
 */
final class JsonWriter {

	/** A buffer grown past this by a large message is not kept for the next one. */
	private static final int KEPT_CAPACITY = 16 * 1024;

	private static final byte[] HEX = "0123456789ABCDEF".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	private byte[] buffer = new byte[512];

	private int length;

	void reset() {
		if (this.buffer.length > KEPT_CAPACITY) {
			this.buffer = new byte[512];
		}
		this.length = 0;
	}

	int length() {
		return this.length;
	}

	byte[] buffer() {
		return this.buffer;
	}

	byte[] toByteArray() {
		return Arrays.copyOf(this.buffer, this.length);
	}

	/** Append bytes as they are (ASCII punctuation and names). */
	JsonWriter raw(byte[] bytes) {
		ensure(bytes.length);
		System.arraycopy(bytes, 0, this.buffer, this.length, bytes.length);
		this.length += bytes.length;
		return this;
	}

	JsonWriter raw(char c) {
		ensure(1);
		this.buffer[this.length++] = (byte) c;
		return this;
	}

	/** Append a non-negative or negative integer in decimal. */
	JsonWriter number(long value) {
		ensure(20);
		if (value == Long.MIN_VALUE) {
			return raw(Long.toString(value).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
		}
		long v = value;
		if (v < 0) {
			this.buffer[this.length++] = '-';
			v = -v;
		}
		int digits = 1;
		for (long rest = v / 10; rest != 0; rest /= 10) {
			digits++;
		}
		int at = this.length + digits;
		do {
			this.buffer[--at] = (byte) ('0' + (v % 10));
			v /= 10;
		}
		while (v != 0);
		this.length += digits;
		return this;
	}

	/** Append a JSON string: quotes, escapes, UTF-8. */
	JsonWriter string(String value) {
		int n = value.length();
		// At most six bytes per char (an escape); reserved once instead of checked per char.
		ensure(6 * n + 2);
		byte[] out = this.buffer;
		int at = this.length;
		out[at++] = '"';
		for (int i = 0; i < n; i++) {
			char c = value.charAt(i);
			if (c < 0x80) {
				if (c >= 0x20 && c != '"' && c != '\\') {
					out[at++] = (byte) c;
				}
				else {
					at = escape(out, at, c);
				}
			}
			else if (c < 0x800) {
				out[at++] = (byte) (0xC0 | (c >> 6));
				out[at++] = (byte) (0x80 | (c & 0x3F));
			}
			else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
				int codePoint = Character.toCodePoint(c, value.charAt(++i));
				out[at++] = (byte) (0xF0 | (codePoint >> 18));
				out[at++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
				out[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
				out[at++] = (byte) (0x80 | (codePoint & 0x3F));
			}
			else if (Character.isSurrogate(c)) {
				at = unicodeEscape(out, at, c);
			}
			else {
				out[at++] = (byte) (0xE0 | (c >> 12));
				out[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
				out[at++] = (byte) (0x80 | (c & 0x3F));
			}
		}
		out[at++] = '"';
		this.length = at;
		return this;
	}

	/**
	 * The size of valid UTF-8 bytes written as a JSON string (with its quotes) by {@link #utf8String}.
	 */
	static int utf8StringSize(byte[] utf8, int from, int to) {
		int size = 2;
		for (int i = from; i < to; i++) {
			int b = utf8[i] & 0xFF;
			size += (b == '"' || b == '\\') ? 2 : (b >= 0x20) ? 1 : (b == '\b' || b == '\f' || b == '\n' || b == '\r'
					|| b == '\t') ? 2 : 6;
		}
		return size;
	}

	/**
	 * Write valid UTF-8 bytes as a JSON string, byte for byte but for the escapes, into {@code out}.
	 * @return the position after the closing quote
	 */
	static int utf8String(byte[] utf8, int from, int to, byte[] out, int at) {
		int i = at;
		out[i++] = '"';
		for (int j = from; j < to; j++) {
			byte b = utf8[j];
			if ((b >= 0x20 || b < 0) && b != '"' && b != '\\') {
				out[i++] = b;
			}
			else {
				i = escape(out, i, (char) b);
			}
		}
		out[i++] = '"';
		return i;
	}

	private static int escape(byte[] out, int at, char c) {
		char shortForm = switch (c) {
			case '"' -> '"';
			case '\\' -> '\\';
			case '\b' -> 'b';
			case '\f' -> 'f';
			case '\n' -> 'n';
			case '\r' -> 'r';
			case '\t' -> 't';
			default -> 0;
		};
		if (shortForm == 0) {
			return unicodeEscape(out, at, c);
		}
		out[at] = '\\';
		out[at + 1] = (byte) shortForm;
		return at + 2;
	}

	private static int unicodeEscape(byte[] out, int at, char c) {
		out[at] = '\\';
		out[at + 1] = 'u';
		out[at + 2] = HEX[(c >> 12) & 0xF];
		out[at + 3] = HEX[(c >> 8) & 0xF];
		out[at + 4] = HEX[(c >> 4) & 0xF];
		out[at + 5] = HEX[c & 0xF];
		return at + 6;
	}

	private void ensure(int more) {
		if (this.length + more > this.buffer.length) {
			this.buffer = Arrays.copyOf(this.buffer, Math.max(this.length + more, 2 * this.buffer.length));
		}
	}

}
