package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The strings a receiver reads again and again — senders' instance ids and incarnations, cache names — kept by
 * their UTF-8 bytes, so that a message from a known sender about a known cache creates no string for them (and
 * the own-echo check compares a string it already has). A small direct-mapped table: a fleet has few senders and
 * caches, and a hostile stream of new values only replaces entries, it never grows the table. One per decoding
 * thread; not thread-safe.
 */
final class RecentStrings {

	private static final int SLOTS = 64;

	private static final int MAX_LENGTH = 64;

	private final byte[][] bytes = new byte[SLOTS][];

	private final String[] strings = new String[SLOTS];

	/**
	 * Return the string of valid UTF-8 bytes, the one returned before for the same bytes if it is still kept.
	 * @param from the first byte
	 * @param to after the last byte
	 */
	String get(byte[] source, int from, int to) {
		int length = to - from;
		if (length > MAX_LENGTH) {
			return new String(source, from, length, StandardCharsets.UTF_8);
		}
		int hash = length;
		for (int i = from; i < to; i++) {
			hash = 31 * hash + source[i];
		}
		int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
		byte[] kept = this.bytes[slot];
		if (kept != null && Arrays.equals(kept, 0, kept.length, source, from, to)) {
			return this.strings[slot];
		}
		String string = new String(source, from, length, StandardCharsets.UTF_8);
		this.bytes[slot] = Arrays.copyOfRange(source, from, to);
		this.strings[slot] = string;
		return string;
	}

}
