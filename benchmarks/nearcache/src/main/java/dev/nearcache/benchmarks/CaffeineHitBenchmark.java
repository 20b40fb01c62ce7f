package dev.nearcache.benchmarks;

import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nearcache.benchmarks.support.KeySpace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The floors: a warm {@code getIfPresent} on a raw Caffeine cache, with the maximum size and TTL nearcache has in
 * {@link SpringCacheHitBenchmark} ({@link SpringCacheHitBenchmark#MAXIMUM_SIZE}, {@link SpringCacheHitBenchmark#TTL}):
 * <ul>
 * <li>{@code expiryStats}: maximum size, expire after write and {@code recordStats()} — the settings of
 * {@link SpringCacheHitBenchmark}'s {@code caffeineCache}, so it mixes the cost of expiry and of statistics;</li>
 * <li>{@code expiry}: maximum size and expire after write, no statistics — the configuration a near cache needs
 * (a TTL) without anything else;</li>
 * <li>{@code sizeOnly}: maximum size only, no expiry, no statistics — Caffeine's limit.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CaffeineHitBenchmark {

	@Param({ "expiryStats", "expiry", "sizeOnly" })
	public String caffeine;

	@Param({ "string", "long" })
	public String keyType;

	@Param({ "uniform", "zipf" })
	public String distribution;

	private KeySpace keySpace;

	private Cache<Object, Object> target;

	@Setup(Level.Trial)
	public void warm() {
		this.keySpace = KeySpace.create(this.keyType, this.distribution);
		Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(SpringCacheHitBenchmark.MAXIMUM_SIZE);
		switch (this.caffeine) {
			case "expiryStats" -> builder.expireAfterWrite(SpringCacheHitBenchmark.TTL).recordStats();
			case "expiry" -> builder.expireAfterWrite(SpringCacheHitBenchmark.TTL);
			case "sizeOnly" -> {
			}
			default -> throw new IllegalArgumentException("Unknown configuration " + this.caffeine);
		}
		this.target = builder.build();
		Object[] keys = this.keySpace.keys();
		for (int i = 0; i < keys.length; i++) {
			this.target.put(keys[i], KeySpace.value(i));
		}
	}

	@Benchmark
	public Object getIfPresent(SpringCacheHitBenchmark.Cursor cursor) {
		return this.target.getIfPresent(this.keySpace.key(cursor.next++));
	}

}
