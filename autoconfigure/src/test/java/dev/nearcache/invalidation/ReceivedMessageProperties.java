package dev.nearcache.invalidation;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import com.sun.management.ThreadMXBean;

import org.springframework.cache.interceptor.SimpleKey;

import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;

/**
 * The properties every received message body must keep, checked against real caches and counters: shared by the
 * coverage-guided fuzz test and the mutation loop of the normal test run.
 * <ul>
 * <li>{@link InvalidationCodec#decode} never throws and returns exactly one of a message and a drop reason;</li>
 * <li>decoding allocates at most {@link #BYTES_PER_INPUT_BYTE} bytes per input byte plus
 * {@link #ALLOCATION_ALLOWANCE};</li>
 * <li>a decoded message survives encode and decode unchanged;</li>
 * <li>{@link InvalidationApplier#apply(byte[])} never throws, and every body is counted exactly once as applied,
 * skipped as own echo, a heartbeat, or dropped, with the decoder's reason; never as {@link DropReason#ERROR}.</li>
 * </ul>
 */
final class ReceivedMessageProperties implements AutoCloseable {

	static final int MAX_MESSAGE_SIZE = 64 * 1024;

	/**
	 * Worst case of the tree the decoder builds, per input byte: the strict UTF-8 pass holds a char buffer and a
	 * String (up to 4 bytes per input byte together), and the densest JSON, {@code [{},{},…]} or
	 * {@code [[],[],…]}, costs a node of about 70–100 bytes (node, map or list, backing array) per 3 input bytes.
	 * Measured worst over the fuzz runs is well below this (see {@code docs/security.md}).
	 */
	static final long BYTES_PER_INPUT_BYTE = 48;

	/** Per-decode fixed cost: parser, its buffers (recycled, but their first allocation on a thread), the message. */
	static final long ALLOCATION_ALLOWANCE = 64 * 1024;

	private static final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

	private final InvalidationCodec codec = new InvalidationCodec(MAX_MESSAGE_SIZE);

	private final NearCacheManager manager = manager();

	private final InvalidationStatistics statistics = new InvalidationStatistics("me", "nearcache:fuzz",
			TransportState.SUBSCRIBED);

	private final InvalidationApplier applier = new InvalidationApplier(this.manager, this.codec, this.statistics,
			null, Duration.ofMillis(50));

	private long worstAllocated;

	private double worstBytesPerInputByte;

	private long inputs;

	ReceivedMessageProperties() {
		// One-time costs (class loading, the parser's first buffers) are not per message.
		for (int i = 0; i < 200; i++) {
			this.codec.decode(("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":[\"" + i + "\"]}")
				.getBytes(StandardCharsets.UTF_8));
			this.codec.decode(new byte[] { '[', (byte) i });
		}
	}

	/**
	 * Check every property for one received body.
	 * @param body the bytes as received
	 */
	void check(byte[] body) {
		this.inputs++;
		InvalidationCodec.Decoded decoded = decodeMeasured(body);
		if ((decoded.message() == null) == (decoded.dropReason() == null)) {
			throw new AssertionError("decode must return exactly one of message and drop reason: " + decoded);
		}
		if (decoded.message() != null) {
			checkRoundTrip(decoded.message());
		}
		checkApplied(body, decoded);
	}

	private InvalidationCodec.Decoded decodeMeasured(byte[] body) {
		long bound = BYTES_PER_INPUT_BYTE * body.length + ALLOCATION_ALLOWANCE;
		InvalidationCodec.Decoded decoded = this.codec.decode(body);
		long allocated = allocatedByDecoding(body);
		if (allocated > bound) {
			// The first input down a new path loads and initialises classes (an exception type, a parser
			// state): a one-time cost, so only a second decode of the same input counts.
			allocated = allocatedByDecoding(body);
		}
		if (allocated > bound) {
			throw new AssertionError("decoding " + body.length + " bytes allocated " + allocated + " bytes, more than "
					+ bound);
		}
		this.worstAllocated = Math.max(this.worstAllocated, allocated);
		if (body.length >= 1024) {
			this.worstBytesPerInputByte = Math.max(this.worstBytesPerInputByte, (double) allocated / body.length);
		}
		return decoded;
	}

	private long allocatedByDecoding(byte[] body) {
		long before = threads.getCurrentThreadAllocatedBytes();
		this.codec.decode(body);
		return threads.getCurrentThreadAllocatedBytes() - before;
	}

	private void checkRoundTrip(InvalidationMessage message) {
		byte[] encoded = this.codec.encode(message);
		if (encoded.length > MAX_MESSAGE_SIZE) {
			// Escaping can grow a message past the limit; the publisher splits those.
			return;
		}
		InvalidationCodec.Decoded again = this.codec.decode(encoded);
		// A message without an incarnation is written as sent by this process: with the codec's.
		InvalidationMessage expected = (message.incarnation() != null) ? message
				: new InvalidationMessage(message.type(), message.origin(), message.seq(), message.timestamp(),
						message.cache(), message.keys(), message.mode(), this.codec.incarnation());
		if (!expected.equals(again.message())) {
			throw new AssertionError("encode/decode changed " + message + " into " + again);
		}
	}

	private void checkApplied(byte[] body, InvalidationCodec.Decoded decoded) {
		reseedIfEmpty();
		long received = this.statistics.received();
		long accounted = accounted();
		long expectedDrops = (decoded.dropReason() != null) ? this.statistics.dropped(decoded.dropReason()) + 1 : -1;
		this.applier.apply(body);
		if (this.statistics.received() != received + 1 || accounted() != accounted + 1) {
			throw new AssertionError("a body must be counted exactly once as applied, own echo, heartbeat or dropped");
		}
		if (this.statistics.dropped(DropReason.ERROR) != 0) {
			throw new AssertionError("applying failed unexpectedly (counted as error)");
		}
		if (decoded.dropReason() != null && this.statistics.dropped(decoded.dropReason()) != expectedDrops) {
			throw new AssertionError("dropped for another reason than " + decoded.dropReason());
		}
	}

	private long accounted() {
		long dropped = this.statistics.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
		return this.statistics.applied() + this.statistics.selfSkipped() + this.statistics.heartbeatsReceived()
				+ dropped;
	}

	/** Keys of every expandable type and a composite key, so invalidations exercise each expansion. */
	private void reseedIfEmpty() {
		NearCache products = this.manager.findCache("products");
		if (products.getNativeCache().estimatedSize() > 0) {
			return;
		}
		products.put("42", "string");
		products.put(42L, "long");
		products.put(42, "int");
		products.put((short) 42, "short");
		products.put((byte) 42, "byte");
		products.put(new java.math.BigInteger("42"), "big");
		products.put(UUID.fromString("3f1c0a4e-8f5e-4d7a-9a55-2f1d8a3c9e11"), "uuid");
		products.put(Boolean.TRUE, "boolean");
		products.put('x', "char");
		products.put(Thread.State.NEW, "enum");
		products.put(new SimpleKey("42", "eu"), "composite");
	}

	long inputs() {
		return this.inputs;
	}

	long worstAllocated() {
		return this.worstAllocated;
	}

	double worstBytesPerInputByte() {
		return this.worstBytesPerInputByte;
	}

	InvalidationStatistics statistics() {
		return this.statistics;
	}

	@Override
	public void close() {
		this.applier.close();
	}

	private static NearCacheManager manager() {
		NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		NearCacheSettings local = new NearCacheSettings("local", Duration.ofMinutes(5), Duration.ofSeconds(30), 1000,
				true, false);
		return new NearCacheManager(defaults, List.of(defaults.withName("products"), local), false,
				new KeyCanonicalizer(), InvalidationPublisher.NONE);
	}

}
