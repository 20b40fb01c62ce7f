package dev.nearcache.benchmarks;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.nearcache.benchmarks.support.KeySpace;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import org.springframework.cache.Cache;
import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.cache.caffeine.CaffeineCache;
import org.springframework.cache.support.NullValue;

/**
 * A warm hit through Spring's {@link Cache#get(Object)}: every key is present, nothing expires or is evicted
 * during the run. The wrapper is returned to JMH, so its allocation is counted as it is for a caller that
 * keeps it ({@code @Cacheable} does): Spring's caches allocate one per hit, {@link NearCache} returns the entry it
 * stores (each value is its own wrapper) and allocates nothing.
 * <p>
 * Caches, all Caffeine with maximum size 100,000, five minutes after write and statistics:
 * <ul>
 * <li>{@code nearcache}: {@link NearCache}, local only (publisher {@code NONE}), null TTL 30 s: Caffeine's fixed
 * expire-after-write, a removal listener, and cached nulls that carry their own shorter deadline;</li>
 * <li>{@code caffeineCache}: Spring's {@link CaffeineCache} over {@code expireAfterWrite(5 min)} — the same
 * Caffeine settings but for the removal listener;</li>
 * <li>{@code caffeineCacheVariableExpiry}: Spring's {@link CaffeineCache} over a variable expiry
 * ({@code Expiry.writing}, shorter for nulls) and a removal listener: the Caffeine nearcache used before cached
 * nulls carried their own deadline, and still uses when {@code null-ttl} is longer than the TTL. It shows what a
 * per-entry expiry costs a hit.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpringCacheHitBenchmark {

	static final Duration TTL = Duration.ofMinutes(5);

	static final Duration NULL_TTL = Duration.ofSeconds(30);

	static final long MAXIMUM_SIZE = 100_000;

	@Param({ "nearcache", "caffeineCache", "caffeineCacheVariableExpiry" })
	public String cache;

	@Param({ "string", "long" })
	public String keyType;

	@Param({ "uniform", "zipf" })
	public String distribution;

	private KeySpace keySpace;

	private Cache target;

	@Setup(Level.Trial)
	public void warm() {
		this.keySpace = KeySpace.create(this.keyType, this.distribution);
		this.target = create(this.cache);
		Object[] keys = this.keySpace.keys();
		for (int i = 0; i < keys.length; i++) {
			this.target.put(keys[i], KeySpace.value(i));
		}
		for (Object key : keys) {
			if (this.target.get(key) == null) {
				throw new IllegalStateException("Not warm: " + key);
			}
		}
	}

	static Cache create(String name) {
		return switch (name) {
			case "nearcache" -> new NearCache(new NearCacheSettings("bench", TTL, NULL_TTL, MAXIMUM_SIZE, true, true),
					new KeyCanonicalizer(), InvalidationPublisher.NONE);
			case "caffeineCache" -> new CaffeineCache("bench",
					Caffeine.newBuilder().maximumSize(MAXIMUM_SIZE).expireAfterWrite(TTL).recordStats().build(), true);
			case "caffeineCacheVariableExpiry" -> new CaffeineCache("bench", Caffeine.newBuilder()
				.maximumSize(MAXIMUM_SIZE)
				.recordStats()
				.removalListener((key, value, cause) -> {
				})
				.expireAfter(Expiry.writing((Object key, Object value) -> (value == NullValue.INSTANCE) ? NULL_TTL : TTL))
				.build(), true);
			default -> throw new IllegalArgumentException("Unknown cache " + name);
		};
	}

	@Benchmark
	public ValueWrapper get(Cursor cursor) {
		return this.target.get(this.keySpace.key(cursor.next++));
	}

	/** Where one thread is in the key sequence; threads start at different places. */
	@State(Scope.Thread)
	public static class Cursor {

		int next = ThreadLocalRandom.current().nextInt();

	}

}
