package dev.nearcache.benchmarks;

import java.util.concurrent.TimeUnit;

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

import org.springframework.cache.Cache;
import org.springframework.cache.Cache.ValueWrapper;

/**
 * The warm hit of {@link SpringCacheHitBenchmark}, but the caller unwraps: it calls {@link ValueWrapper#get()} and
 * returns only the value to JMH, as {@code @Cacheable}'s interceptor does with the wrapper once inlined. Where the
 * JIT's escape analysis removes a wrapper allocated per hit (Spring's {@code SimpleValueWrapper}), this figure
 * is higher than {@link SpringCacheHitBenchmark}'s; the difference shows which figure depends on it. Same caches,
 * keys and settings ({@link SpringCacheHitBenchmark#create(String)}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SpringCacheUnwrappedHitBenchmark {

	@Param({ "nearcache", "caffeineCache" })
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
		this.target = SpringCacheHitBenchmark.create(this.cache);
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

	@Benchmark
	public Object getUnwrapped(SpringCacheHitBenchmark.Cursor cursor) {
		ValueWrapper wrapper = this.target.get(this.keySpace.key(cursor.next++));
		return (wrapper != null) ? wrapper.get() : null;
	}

}
