package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * Reads one received message in a single pass over its bytes, without building a tree: it validates the whole
 * document and remembers, for each top-level member whose name the {@link InvalidationCodec} asked for, the kind
 * and position of its value. Strings are only turned into Java strings when the codec asks for one.
 * <p>
 * Exactly as strict as the Jackson tree parser it replaced, with the limits the codec configured there (the
 * differential tests hold it to that): one object and nothing but JSON whitespace around it, strict UTF-8
 * (no overlong forms, no encoded surrogates), no control characters in strings, only JSON's escapes, nesting at
 * most {@link #MAX_DEPTH} containers deep, duplicate names refused in every object (compared after unescaping),
 * numbers of at most {@link #MAX_NUMBER_DIGITS} digits without leading zeros, names of at most
 * {@link #MAX_NAME_LENGTH} (counted, as Jackson did, in UTF-8 bytes when the input is plain ASCII and in UTF-16
 * chars otherwise). A reader is reused for every message of one thread and must not be shared.
 */
final class StrictJsonReader {

	static final int MAX_DEPTH = 8;

	static final int MAX_NUMBER_DIGITS = 32;

	static final int MAX_NAME_LENGTH = 50_000;

	static final int MAX_STRING_LENGTH = 20_000_000;

	/** The kinds of a member's value; {@link #ABSENT} when the member is not in the message. */
	static final byte ABSENT = 0, NULL = 1, STRING = 2, INTEGER = 3, BIG_INTEGER = 4, FLOAT = 5, BOOLEAN = 6,
			ARRAY = 7, OBJECT = 8;

	/** Objects with more names than this find duplicates through a hash set instead of comparing each pair. */
	private static final int LINEAR_NAMES = 24;

	/** Buffers grown past this by a large message are not kept for the next one. */
	private static final int KEPT_CAPACITY = 16 * 1024;

	private static final Malformed MALFORMED = new Malformed();

	private final char[][] wanted;

	private final byte[] kind;

	private final int[] start;

	private final int[] end;

	private final boolean[] escaped;

	private final long[] integer;

	/** For array members: whether every element is a string. */
	private final boolean[] onlyStrings;

	private byte[] in = new byte[0];

	private int pos;

	private int limit;

	private boolean asciiInput;

	/** The names of the objects being read, unescaped, innermost last. */
	private char[] names = new char[256];

	private int namesLength;

	private int[] nameStart = new int[32];

	private int[] nameHash = new int[32];

	private int nameCount;

	private final int[] firstNameOfObject = new int[MAX_DEPTH + 1];

	private final int[] namesLengthOfObject = new int[MAX_DEPTH + 1];

	private final @Nullable Set<String>[] largeObjectNames;

	private int depth;

	private boolean lastEscaped;

	private char[] chars = new char[64];

	/**
	 * Create a reader.
	 * @param wantedNames the top-level member names whose values are remembered, ASCII
	 */
	@SuppressWarnings("unchecked")
	StrictJsonReader(List<String> wantedNames) {
		this.wanted = new char[wantedNames.size()][];
		for (int i = 0; i < this.wanted.length; i++) {
			this.wanted[i] = wantedNames.get(i).toCharArray();
		}
		int n = this.wanted.length;
		this.kind = new byte[n];
		this.start = new int[n];
		this.end = new int[n];
		this.escaped = new boolean[n];
		this.integer = new long[n];
		this.onlyStrings = new boolean[n];
		this.largeObjectNames = new Set[MAX_DEPTH + 1];
	}

	/**
	 * Read a document.
	 * @param bytes the input; read again when values are asked for, so it must not change until the next read
	 * @param length how many bytes of it
	 * @return whether it is one well-formed JSON object within the limits
	 */
	boolean read(byte[] bytes, int length) {
		if (this.names.length > KEPT_CAPACITY || this.nameStart.length > KEPT_CAPACITY) {
			this.names = new char[256];
			this.nameStart = new int[32];
			this.nameHash = new int[32];
		}
		if (this.chars.length > KEPT_CAPACITY) {
			this.chars = new char[64];
		}
		this.in = bytes;
		this.pos = 0;
		this.limit = length;
		java.util.Arrays.fill(this.kind, ABSENT);
		this.namesLength = 0;
		this.nameCount = 0;
		this.depth = 0;
		this.asciiInput = isAsciiWithoutNul(bytes, length);
		try {
			skipWhitespace();
			if (this.pos >= this.limit || this.in[this.pos] != '{') {
				return false;
			}
			object();
			skipWhitespace();
			return this.pos == this.limit;
		}
		catch (Malformed ex) {
			return false;
		}
		finally {
			for (int i = 0; i <= MAX_DEPTH; i++) {
				this.largeObjectNames[i] = null;
			}
		}
	}

	/** Whether the bytes are ASCII without NUL: the input Jackson read as bytes, counting name lengths in bytes. */
	private static boolean isAsciiWithoutNul(byte[] bytes, int length) {
		for (int i = 0; i < length; i++) {
			if (bytes[i] <= 0) {
				return false;
			}
		}
		return true;
	}

	byte kind(int member) {
		return this.kind[member];
	}

	boolean isAbsent(int member) {
		return this.kind[member] == ABSENT || this.kind[member] == NULL;
	}

	/** The value of an {@link #INTEGER} member. */
	long integer(int member) {
		return this.integer[member];
	}

	/** The length of a {@link #STRING} member's value as it is in the input, escaped. */
	int rawLength(int member) {
		return this.end[member] - this.start[member];
	}

	/** Whether an {@link #ARRAY} member holds strings only. */
	boolean isArrayOfStrings(int member) {
		return this.onlyStrings[member];
	}

	/**
	 * The value of a {@link #STRING} member.
	 * @param recent where a string seen before is taken from rather than created again, or {@code null}
	 */
	String string(int member, @Nullable RecentStrings recent) {
		if (!this.escaped[member] && recent != null) {
			return recent.get(this.in, this.start[member], this.end[member]);
		}
		return string(this.start[member], this.end[member], this.escaped[member]);
	}

	/** Whether a {@link #STRING} member's value is exactly the given ASCII text. */
	boolean stringEquals(int member, byte[] ascii) {
		int from = this.start[member];
		int to = this.end[member];
		if (!this.escaped[member]) {
			return java.util.Arrays.equals(this.in, from, to, ascii, 0, ascii.length);
		}
		int n = unescape(from, to);
		if (n != ascii.length) {
			return false;
		}
		for (int i = 0; i < n; i++) {
			if (this.chars[i] != ascii[i]) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Unescape a {@link #STRING} member into the reader's char buffer.
	 * @return the number of chars, read with {@link #chars()}
	 */
	int unescape(int member) {
		return unescape(this.start[member], this.end[member]);
	}

	char[] chars() {
		return this.chars;
	}

	/**
	 * Write a {@link #STRING} member's value as UTF-8 into {@code out}, as {@link String#getBytes} would write the
	 * Java string: an unpaired surrogate (only an escape can make one) becomes {@code '?'}. The output is never
	 * longer than the member's raw value.
	 * @return the number of bytes written
	 */
	int utf8(int member, byte[] out) {
		int from = this.start[member];
		int to = this.end[member];
		if (!this.escaped[member]) {
			System.arraycopy(this.in, from, out, 0, to - from);
			return to - from;
		}
		int n = 0;
		int i = from;
		while (i < to) {
			byte b = this.in[i];
			if (b != '\\') {
				out[n++] = b;
				i++;
				continue;
			}
			char c = escape(i);
			i += (this.in[i + 1] == 'u') ? 6 : 2;
			if (Character.isHighSurrogate(c) && i + 1 < to && this.in[i] == '\\' && this.in[i + 1] == 'u'
					&& Character.isLowSurrogate(escape(i))) {
				int codePoint = Character.toCodePoint(c, escape(i));
				i += 6;
				out[n++] = (byte) (0xF0 | (codePoint >> 18));
				out[n++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
				out[n++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
				out[n++] = (byte) (0x80 | (codePoint & 0x3F));
			}
			else if (Character.isSurrogate(c)) {
				out[n++] = '?';
			}
			else if (c < 0x80) {
				out[n++] = (byte) c;
			}
			else if (c < 0x800) {
				out[n++] = (byte) (0xC0 | (c >> 6));
				out[n++] = (byte) (0x80 | (c & 0x3F));
			}
			else {
				out[n++] = (byte) (0xE0 | (c >> 12));
				out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
				out[n++] = (byte) (0x80 | (c & 0x3F));
			}
		}
		return n;
	}

	/**
	 * Add the elements of an {@link #ARRAY} member that {@linkplain #isArrayOfStrings holds strings only}.
	 * @param into the list to add to
	 */
	void strings(int member, List<String> into) {
		int i = this.start[member];
		while (true) {
			i = skipWhitespace(i);
			if (this.in[i] == ']') {
				return;
			}
			if (this.in[i] == ',') {
				i = skipWhitespace(i + 1);
			}
			int from = i + 1;
			int to = from;
			boolean hasEscape = false;
			while (this.in[to] != '"') {
				if (this.in[to] == '\\') {
					hasEscape = true;
					to++;
				}
				to++;
			}
			into.add(string(from, to, hasEscape));
			i = to + 1;
		}
	}

	private String string(int from, int to, boolean hasEscape) {
		if (!hasEscape) {
			return new String(this.in, from, to - from, StandardCharsets.UTF_8);
		}
		int length = unescape(from, to);
		return new String(this.chars, 0, length);
	}

	/** Unescape a validated string's raw bytes into {@link #chars}; returns the number of chars. */
	private int unescape(int from, int to) {
		if (this.chars.length < to - from) {
			this.chars = new char[Math.max(to - from, 2 * this.chars.length)];
		}
		int n = 0;
		int i = from;
		while (i < to) {
			int b = this.in[i] & 0xFF;
			if (b == '\\') {
				this.chars[n++] = escape(i);
				i += (this.in[i + 1] == 'u') ? 6 : 2;
			}
			else if (b < 0x80) {
				this.chars[n++] = (char) b;
				i++;
			}
			else if (b < 0xE0) {
				this.chars[n++] = (char) (((b & 0x1F) << 6) | (this.in[i + 1] & 0x3F));
				i += 2;
			}
			else if (b < 0xF0) {
				this.chars[n++] = (char) (((b & 0x0F) << 12) | ((this.in[i + 1] & 0x3F) << 6) | (this.in[i + 2] & 0x3F));
				i += 3;
			}
			else {
				int codePoint = ((b & 0x07) << 18) | ((this.in[i + 1] & 0x3F) << 12) | ((this.in[i + 2] & 0x3F) << 6)
						| (this.in[i + 3] & 0x3F);
				this.chars[n++] = Character.highSurrogate(codePoint);
				this.chars[n++] = Character.lowSurrogate(codePoint);
				i += 4;
			}
		}
		return n;
	}

	/** The char of a validated escape starting at {@code at} (the backslash). */
	private char escape(int at) {
		return switch (this.in[at + 1]) {
			case 'b' -> '\b';
			case 'f' -> '\f';
			case 'n' -> '\n';
			case 'r' -> '\r';
			case 't' -> '\t';
			case 'u' -> (char) ((hex(this.in[at + 2]) << 12) | (hex(this.in[at + 3]) << 8) | (hex(this.in[at + 4]) << 4)
					| hex(this.in[at + 5]));
			default -> (char) this.in[at + 1];
		};
	}

	private static int hex(byte b) {
		if (b >= '0' && b <= '9') {
			return b - '0';
		}
		if (b >= 'a' && b <= 'f') {
			return b - 'a' + 10;
		}
		if (b >= 'A' && b <= 'F') {
			return b - 'A' + 10;
		}
		return -1;
	}

	// --- the validating pass ---

	private void object() {
		enter();
		this.firstNameOfObject[this.depth] = this.nameCount;
		this.namesLengthOfObject[this.depth] = this.namesLength;
		this.pos++;
		skipWhitespace();
		if (peek() == '}') {
			this.pos++;
			leaveObject();
			return;
		}
		while (true) {
			if (peek() != '"') {
				throw MALFORMED;
			}
			this.pos++;
			int member = name();
			skipWhitespace();
			if (peek() != ':') {
				throw MALFORMED;
			}
			this.pos++;
			skipWhitespace();
			value(member);
			skipWhitespace();
			byte next = peek();
			this.pos++;
			if (next == '}') {
				leaveObject();
				return;
			}
			if (next != ',') {
				throw MALFORMED;
			}
			skipWhitespace();
		}
	}

	private void leaveObject() {
		this.nameCount = this.firstNameOfObject[this.depth];
		this.namesLength = this.namesLengthOfObject[this.depth];
		this.largeObjectNames[this.depth] = null;
		this.depth--;
	}

	private void array(int member) {
		enter();
		this.pos++;
		boolean strings = true;
		if (member >= 0) {
			this.kind[member] = ARRAY;
			this.start[member] = this.pos;
		}
		skipWhitespace();
		if (peek() == ']') {
			this.pos++;
			this.depth--;
			if (member >= 0) {
				this.onlyStrings[member] = true;
			}
			return;
		}
		while (true) {
			strings &= peek() == '"';
			value(-1);
			skipWhitespace();
			byte next = peek();
			this.pos++;
			if (next == ']') {
				break;
			}
			if (next != ',') {
				throw MALFORMED;
			}
			skipWhitespace();
		}
		this.depth--;
		if (member >= 0) {
			this.onlyStrings[member] = strings;
		}
	}

	private void enter() {
		if (++this.depth > MAX_DEPTH) {
			throw MALFORMED;
		}
	}

	/** Read the value of a member ({@code member} is its index among the wanted names, or -1). */
	private void value(int member) {
		byte b = peek();
		switch (b) {
			case '{' -> {
				object();
				if (member >= 0) {
					this.kind[member] = OBJECT;
				}
			}
			case '[' -> array(member);
			case '"' -> {
				int from = ++this.pos;
				string(false);
				if (member >= 0) {
					this.kind[member] = STRING;
					this.start[member] = from;
					this.end[member] = this.pos - 1;
					this.escaped[member] = this.lastEscaped;
				}
			}
			case 't' -> literal("true", member, BOOLEAN);
			case 'f' -> literal("false", member, BOOLEAN);
			case 'n' -> literal("null", member, NULL);
			default -> {
				if (b != '-' && (b < '0' || b > '9')) {
					throw MALFORMED;
				}
				number(member);
			}
		}
	}

	private void literal(String literal, int member, byte literalKind) {
		for (int i = 0; i < literal.length(); i++) {
			if (peek() != literal.charAt(i)) {
				throw MALFORMED;
			}
			this.pos++;
		}
		if (member >= 0) {
			this.kind[member] = literalKind;
		}
	}

	private void number(int member) {
		boolean negative = peek() == '-';
		if (negative) {
			this.pos++;
		}
		byte b = peek();
		int digits = 0;
		long value = 0;
		boolean fits = true;
		if (b == '0') {
			this.pos++;
			digits = 1;
			if (isDigit(this.pos)) {
				throw MALFORMED;
			}
		}
		else if (b >= '1' && b <= '9') {
			while (isDigit(this.pos)) {
				int digit = this.in[this.pos++] - '0';
				digits++;
				// Accumulated negatively, so that Long.MIN_VALUE fits too.
				if (value < (Long.MIN_VALUE + digit) / 10) {
					fits = false;
				}
				value = value * 10 - digit;
			}
		}
		else {
			throw MALFORMED;
		}
		boolean integral = true;
		if (this.pos < this.limit && this.in[this.pos] == '.') {
			integral = false;
			this.pos++;
			digits += digits();
		}
		if (this.pos < this.limit && (this.in[this.pos] == 'e' || this.in[this.pos] == 'E')) {
			integral = false;
			this.pos++;
			if (this.pos < this.limit && (this.in[this.pos] == '+' || this.in[this.pos] == '-')) {
				this.pos++;
			}
			digits += digits();
		}
		if (digits > MAX_NUMBER_DIGITS) {
			throw MALFORMED;
		}
		if (member >= 0) {
			if (!integral) {
				this.kind[member] = FLOAT;
			}
			else if (!fits || (!negative && value == Long.MIN_VALUE)) {
				this.kind[member] = BIG_INTEGER;
			}
			else {
				this.kind[member] = INTEGER;
				this.integer[member] = negative ? value : -value;
			}
		}
	}

	/** One or more digits. */
	private int digits() {
		int count = 0;
		while (isDigit(this.pos)) {
			this.pos++;
			count++;
		}
		if (count == 0) {
			throw MALFORMED;
		}
		return count;
	}

	private boolean isDigit(int at) {
		return at < this.limit && this.in[at] >= '0' && this.in[at] <= '9';
	}

	/**
	 * Read a member name (after its opening quote), refuse it if the object already has it, and find it among the
	 * wanted names when the object is the top-level one.
	 */
	private int name() {
		int from = this.namesLength;
		int length = string(true);
		if (length > MAX_NAME_LENGTH) {
			throw MALFORMED;
		}
		int hash = 0;
		for (int i = from; i < this.namesLength; i++) {
			hash = 31 * hash + this.names[i];
		}
		int first = this.firstNameOfObject[this.depth];
		Set<String> large = this.largeObjectNames[this.depth];
		if (large != null) {
			if (!large.add(new String(this.names, from, this.namesLength - from))) {
				throw MALFORMED;
			}
		}
		else {
			for (int i = first; i < this.nameCount; i++) {
				if (this.nameHash[i] == hash && sameName(this.nameStart[i], nameEnd(i, from), from, this.namesLength)) {
					throw MALFORMED;
				}
			}
			if (this.nameCount - first == LINEAR_NAMES) {
				large = new HashSet<>();
				for (int i = first; i < this.nameCount; i++) {
					large.add(new String(this.names, this.nameStart[i], nameEnd(i, from) - this.nameStart[i]));
				}
				large.add(new String(this.names, from, this.namesLength - from));
				this.largeObjectNames[this.depth] = large;
			}
		}
		if (this.nameCount == this.nameStart.length) {
			this.nameStart = java.util.Arrays.copyOf(this.nameStart, 2 * this.nameCount);
			this.nameHash = java.util.Arrays.copyOf(this.nameHash, 2 * this.nameCount);
		}
		this.nameStart[this.nameCount] = from;
		this.nameHash[this.nameCount] = hash;
		this.nameCount++;
		return (this.depth == 1) ? wanted(from, this.namesLength) : -1;
	}

	/**
	 * Where a stored name of the current object ends: its names are stored one after the other (those of the
	 * objects inside it are dropped when each ends), and the last one ends where the name being read starts.
	 */
	private int nameEnd(int index, int nameBeingRead) {
		return (index + 1 < this.nameCount) ? this.nameStart[index + 1] : nameBeingRead;
	}

	private boolean sameName(int from, int to, int otherFrom, int otherTo) {
		return java.util.Arrays.equals(this.names, from, to, this.names, otherFrom, otherTo);
	}

	private int wanted(int from, int to) {
		for (int member = 0; member < this.wanted.length; member++) {
			if (java.util.Arrays.equals(this.wanted[member], 0, this.wanted[member].length, this.names, from, to)) {
				if (this.kind[member] != ABSENT) {
					throw MALFORMED;
				}
				return member;
			}
		}
		return -1;
	}

	/**
	 * Validate a string after its opening quote, up to and including its closing quote; for a name, append its
	 * unescaped chars to {@link #names}. Sets {@link #lastEscaped}.
	 * @return its length as Jackson limited names: UTF-8 bytes for ASCII input, UTF-16 chars otherwise
	 */
	private int string(boolean name) {
		boolean hasEscape = false;
		int chars = 0;
		int utf8 = 0;
		while (true) {
			if (this.pos >= this.limit) {
				throw MALFORMED;
			}
			int b = this.in[this.pos] & 0xFF;
			if (b == '"') {
				this.pos++;
				break;
			}
			if (b < 0x20) {
				throw MALFORMED;
			}
			if (b == '\\') {
				hasEscape = true;
				char c = validEscape();
				chars++;
				utf8 += (c < 0x80) ? 1 : (c < 0x800) ? 2 : 3;
				if (name) {
					appendName(c);
				}
			}
			else if (b < 0x80) {
				this.pos++;
				chars++;
				utf8++;
				if (name) {
					appendName((char) b);
				}
			}
			else {
				chars += multiByte(b, name);
			}
		}
		this.lastEscaped = hasEscape;
		if (chars > MAX_STRING_LENGTH) {
			throw MALFORMED;
		}
		return this.asciiInput ? utf8 : chars;
	}

	/** Validate an escape at {@link #pos} and move past it. */
	private char validEscape() {
		if (this.pos + 1 >= this.limit) {
			throw MALFORMED;
		}
		byte e = this.in[this.pos + 1];
		if (e == 'u') {
			if (this.pos + 5 >= this.limit) {
				throw MALFORMED;
			}
			for (int i = 2; i <= 5; i++) {
				if (hex(this.in[this.pos + i]) < 0) {
					throw MALFORMED;
				}
			}
		}
		else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
			throw MALFORMED;
		}
		char c = escape(this.pos);
		this.pos += (e == 'u') ? 6 : 2;
		return c;
	}

	/** Validate a UTF-8 sequence of two to four bytes at {@link #pos}, move past it; returns its UTF-16 length. */
	private int multiByte(int b0, boolean name) {
		int length;
		int lowest = 0x80;
		int highest = 0xBF;
		if (b0 >= 0xC2 && b0 <= 0xDF) {
			length = 2;
		}
		else if (b0 >= 0xE0 && b0 <= 0xEF) {
			length = 3;
			lowest = (b0 == 0xE0) ? 0xA0 : 0x80;
			highest = (b0 == 0xED) ? 0x9F : 0xBF;
		}
		else if (b0 >= 0xF0 && b0 <= 0xF4) {
			length = 4;
			lowest = (b0 == 0xF0) ? 0x90 : 0x80;
			highest = (b0 == 0xF4) ? 0x8F : 0xBF;
		}
		else {
			throw MALFORMED;
		}
		if (this.pos + length > this.limit) {
			throw MALFORMED;
		}
		int b1 = this.in[this.pos + 1] & 0xFF;
		if (b1 < lowest || b1 > highest) {
			throw MALFORMED;
		}
		int codePoint = (length == 2) ? (b0 & 0x1F) : (length == 3) ? (b0 & 0x0F) : (b0 & 0x07);
		codePoint = (codePoint << 6) | (b1 & 0x3F);
		for (int i = 2; i < length; i++) {
			int b = this.in[this.pos + i] & 0xFF;
			if (b < 0x80 || b > 0xBF) {
				throw MALFORMED;
			}
			codePoint = (codePoint << 6) | (b & 0x3F);
		}
		this.pos += length;
		if (length == 4) {
			if (name) {
				appendName(Character.highSurrogate(codePoint));
				appendName(Character.lowSurrogate(codePoint));
			}
			return 2;
		}
		if (name) {
			appendName((char) codePoint);
		}
		return 1;
	}

	private void appendName(char c) {
		if (this.namesLength == this.names.length) {
			this.names = java.util.Arrays.copyOf(this.names, 2 * this.names.length);
		}
		this.names[this.namesLength++] = c;
	}

	private byte peek() {
		if (this.pos >= this.limit) {
			throw MALFORMED;
		}
		return this.in[this.pos];
	}

	private void skipWhitespace() {
		this.pos = skipWhitespace(this.pos);
	}

	private int skipWhitespace(int from) {
		int i = from;
		while (i < this.limit) {
			byte b = this.in[i];
			if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
				break;
			}
			i++;
		}
		return i;
	}

	/** Thrown, without a stack trace, to leave the validating pass; never escapes {@link #read}. */
	private static final class Malformed extends RuntimeException {

		private static final long serialVersionUID = 1L;

		Malformed() {
			super("malformed JSON", null, false, false);
		}

	}

}
