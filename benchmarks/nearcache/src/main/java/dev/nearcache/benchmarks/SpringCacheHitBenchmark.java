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
 * keeps it ({@code @Cacheable} does).
 * <p>
 * Caches, all Caffeine with maximum size 100,000, five minutes after write and statistics:
 * <ul>
 * <li>{@code nearcache}: {@link NearCache}, local only (publisher {@code NONE}), null TTL 30 s, so its Caffeine
 * uses a variable expiry ({@code Expiry.writing}) and a removal listener;</li>
 * <li>{@code caffeineCache}: Spring's {@link CaffeineCache} over {@code expireAfterWrite(5 min)};</li>
 * <li>{@code caffeineCacheSameExpiry}: Spring's {@link CaffeineCache} over exactly NearCache's Caffeine
 * (variable expiry and a removal listener), to separate what the expiry policy costs from what nearcache
 * adds.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpringCacheHitBenchmark {

	static final Duration TTL = Duration.ofMinutes(5);

	static final Duration NULL_TTL = Duration.ofSeconds(30);

	static final long MAXIMUM_SIZE = 100_000;

	@Param({ "nearcache", "caffeineCache", "caffeineCacheSameExpiry" })
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
			case "caffeineCacheSameExpiry" -> new CaffeineCache("bench", Caffeine.newBuilder()
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
