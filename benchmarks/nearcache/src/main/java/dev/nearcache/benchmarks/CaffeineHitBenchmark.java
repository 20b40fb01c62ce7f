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
 * The floor: a warm {@code getIfPresent} on a raw Caffeine cache with the settings of
 * {@link SpringCacheHitBenchmark}'s {@code caffeineCache} (maximum size, expire after write, statistics).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CaffeineHitBenchmark {

	@Param({ "string", "long" })
	public String keyType;

	@Param({ "uniform", "zipf" })
	public String distribution;

	private KeySpace keySpace;

	private Cache<Object, Object> target;

	@Setup(Level.Trial)
	public void warm() {
		this.keySpace = KeySpace.create(this.keyType, this.distribution);
		this.target = Caffeine.newBuilder()
			.maximumSize(SpringCacheHitBenchmark.MAXIMUM_SIZE)
			.expireAfterWrite(SpringCacheHitBenchmark.TTL)
			.recordStats()
			.build();
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
