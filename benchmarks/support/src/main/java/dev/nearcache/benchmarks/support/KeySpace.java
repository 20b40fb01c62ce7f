package dev.nearcache.benchmarks.support;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The keys a hit-path benchmark reads: {@value #KEYS} distinct keys, each with a {@value #VALUE_BYTES}-byte
 * value, and a precomputed sequence of {@value #SEQUENCE_LENGTH} reads drawn uniformly or from a Zipf
 * distribution (exponent {@value #ZIPF_EXPONENT}, as in YCSB), so that drawing a key costs an array read and
 * the same reads are made against every cache.
 * <p>
 * Key types: {@code string} ({@code "product:<n>"}) and {@code long} (boxed {@code Long}, outside the
 * {@code Long.valueOf} cache for most keys). The sequence holds the same key instances that were written, as a
 * {@code @Cacheable} key held by the caller would be; every cache gets identical instances.
 */
public final class KeySpace {

	/** Distinct keys. */
	public static final int KEYS = 10_000;

	/** Bytes per value. */
	public static final int VALUE_BYTES = 100;

	/** Reads in the precomputed sequence, a power of two. */
	public static final int SEQUENCE_LENGTH = 1 << 16;

	/** Exponent of the Zipf distribution. */
	public static final double ZIPF_EXPONENT = 0.99;

	private static final long SEED = 0x5eed_cafeL;

	private final Object[] keys;

	private final Object[] sequence;

	private KeySpace(Object[] keys, Object[] sequence) {
		this.keys = keys;
		this.sequence = sequence;
	}

	/**
	 * Create a key space.
	 * @param keyType {@code string} or {@code long}
	 * @param distribution {@code uniform} or {@code zipf}
	 * @return the key space
	 */
	public static KeySpace create(String keyType, String distribution) {
		Object[] keys = new Object[KEYS];
		for (int i = 0; i < KEYS; i++) {
			keys[i] = switch (keyType.toLowerCase(Locale.ROOT)) {
				case "string" -> "product:" + i;
				case "long" -> Long.valueOf(1_000_000L + i);
				default -> throw new IllegalArgumentException("Unknown key type " + keyType);
			};
		}
		Random random = new Random(SEED);
		int[] drawn = switch (distribution.toLowerCase(Locale.ROOT)) {
			case "uniform" -> random.ints(SEQUENCE_LENGTH, 0, KEYS).toArray();
			case "zipf" -> zipf(random);
			default -> throw new IllegalArgumentException("Unknown distribution " + distribution);
		};
		Object[] sequence = new Object[SEQUENCE_LENGTH];
		for (int i = 0; i < SEQUENCE_LENGTH; i++) {
			sequence[i] = keys[drawn[i]];
		}
		return new KeySpace(keys, sequence);
	}

	private static int[] zipf(Random random) {
		double[] cumulative = new double[KEYS];
		double sum = 0;
		for (int rank = 0; rank < KEYS; rank++) {
			sum += 1 / Math.pow(rank + 1, ZIPF_EXPONENT);
			cumulative[rank] = sum;
		}
		// The hottest ranks are scattered over the key space, not the first keys written.
		int[] keyOfRank = new int[KEYS];
		for (int i = 0; i < KEYS; i++) {
			keyOfRank[i] = i;
		}
		for (int i = KEYS - 1; i > 0; i--) {
			int j = random.nextInt(i + 1);
			int swap = keyOfRank[i];
			keyOfRank[i] = keyOfRank[j];
			keyOfRank[j] = swap;
		}
		int[] drawn = new int[SEQUENCE_LENGTH];
		for (int i = 0; i < SEQUENCE_LENGTH; i++) {
			int rank = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
			drawn[i] = keyOfRank[Math.min((rank < 0) ? -rank - 1 : rank, KEYS - 1)];
		}
		return drawn;
	}

	/**
	 * Return the distinct keys, to warm a cache with.
	 * @return the keys (do not modify)
	 */
	public Object[] keys() {
		return this.keys;
	}

	/**
	 * Return the value of the i-th key: {@value #VALUE_BYTES} bytes.
	 * @param i the key's index in {@link #keys()}
	 * @return a new value
	 */
	public static byte[] value(int i) {
		byte[] value = new byte[VALUE_BYTES];
		Arrays.fill(value, (byte) i);
		return value;
	}

	/**
	 * Return the key of one read of the sequence.
	 * @param cursor any int; it wraps around the sequence
	 * @return the key
	 */
	public Object key(int cursor) {
		return this.sequence[cursor & (SEQUENCE_LENGTH - 1)];
	}

}
