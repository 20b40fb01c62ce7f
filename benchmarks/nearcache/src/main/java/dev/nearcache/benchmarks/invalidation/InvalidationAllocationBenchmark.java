package dev.nearcache.benchmarks.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;
import dev.nearcache.invalidation.ChannelMonitor;
import dev.nearcache.invalidation.InvalidationApplier;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationMessage;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What one invalidation allocates on the wire path, without Redis: run with {@code -prof gc} and read
 * {@code gc.alloc.rate.norm} (bytes per operation).
 * <ul>
 * <li>{@link #encode}: the publisher's work per invalidation up to the {@code byte[]} handed to Lettuce — one key
 * of realistic form, unsigned, with a sequence number and the clock read as the publisher does;</li>
 * <li>{@link #decodeApply}: one receiver's work per received message — decode, the sequence check of its
 * {@link ChannelMonitor}, and the eviction from a cache that holds the key. The key is put back first, so each
 * operation evicts a present entry; that put (a Caffeine node and the stored value) is part of the figure.</li>
 * </ul>
 * Each message carries the next sequence number of its sender (written into the bytes in place), so the
 * receiver sees an unbroken sequence and never flushes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InvalidationAllocationBenchmark {

	static final String CACHE = "products";

	static final String KEY = "product:12345";

	private static final String SENDER = "web-2-4242-a1b2c3";

	/** Ten digits, so that every sequence number takes the same place in the message. */
	private static final long FIRST_SEQ = 1_000_000_000L;

	private final List<String> keys = List.of(KEY);

	private InvalidationCodec codec;

	private long publishedSeq;

	private NearCacheManager manager;

	private NearCache cache;

	private ChannelMonitor monitor;

	private InvalidationApplier applier;

	private byte[] received;

	private int seqAt;

	private long receivedSeq;

	@Setup(Level.Trial)
	public void setUp() {
		this.codec = new InvalidationCodec(64 * 1024);
		NearCacheSettings settings = new NearCacheSettings(CACHE, Duration.ofMinutes(5), Duration.ofSeconds(30),
				10_000, true, true);
		this.manager = new NearCacheManager(settings, List.of(settings), false, new KeyCanonicalizer(),
				InvalidationPublisher.NONE);
		this.cache = this.manager.findCache(CACHE);
		InvalidationStatistics statistics = new InvalidationStatistics("web-1-4242-d4e5f6", "nearcache:bench",
				TransportState.SUBSCRIBED);
		this.monitor = new ChannelMonitor(this.manager, statistics, DegradedMode.SHORT_TTL, Duration.ofSeconds(5),
				Duration.ofMinutes(10), () -> {
				});
		this.applier = new InvalidationApplier(this.manager, this.codec, statistics, this.monitor);
		InvalidationCodec sender = new InvalidationCodec(64 * 1024);
		this.received = sender.encode(new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, SENDER, FIRST_SEQ,
				System.currentTimeMillis(), CACHE, this.keys));
		this.seqAt = new String(this.received, StandardCharsets.US_ASCII).indexOf("\"seq\":") + 6;
		this.receivedSeq = FIRST_SEQ;
		// The sender's first message: sets its baseline (a gap flush here would be a one-time cost).
		this.applier.apply(this.received);
	}

	@TearDown(Level.Trial)
	public void tearDown() {
		this.applier.close();
		this.monitor.close();
	}

	@Benchmark
	public byte[] encode() {
		return this.codec.encode(InvalidationMessage.Type.INVALIDATE, SENDER, ++this.publishedSeq,
				System.currentTimeMillis(), CACHE, this.keys, null);
	}

	@Benchmark
	public byte[] decodeApply() {
		this.cache.put(KEY, "value");
		long seq = ++this.receivedSeq;
		for (int i = this.seqAt + 9; i >= this.seqAt; i--) {
			this.received[i] = (byte) ('0' + seq % 10);
			seq /= 10;
		}
		this.applier.apply(this.received);
		return this.received;
	}

}
