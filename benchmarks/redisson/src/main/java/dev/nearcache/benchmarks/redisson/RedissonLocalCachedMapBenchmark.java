package dev.nearcache.benchmarks.redisson;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.nearcache.benchmarks.support.KeySpace;
import dev.nearcache.benchmarks.support.RedisProcess;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.config.Config;

/**
 * A warm local hit on Redisson's {@code RLocalCachedMap}: every key was read once, so {@code get} is answered
 * by the local cache without a network call. {@code default}: the options as {@code LocalCachedMapOptions.name}
 * returns them (the local cache is keyed by a hash of the encoded key, so every hit encodes the key);
 * {@code objectKey}: {@code useObjectAsCacheKey(true)}. Redisson's default codec; a {@code redis-server}
 * started by the benchmark on a free loopback port.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedissonLocalCachedMapBenchmark {

	@Param({ "default", "objectKey" })
	public String options;

	@Param({ "string", "long" })
	public String keyType;

	@Param({ "uniform" })
	public String distribution;

	private RedisProcess redis;

	private RedissonClient client;

	private KeySpace keySpace;

	private RLocalCachedMap<Object, Object> map;

	@Setup(Level.Trial)
	public void warm() {
		this.redis = RedisProcess.start();
		Config config = new Config();
		config.useSingleServer().setAddress(this.redis.uri());
		this.client = Redisson.create(config);
		LocalCachedMapOptions<Object, Object> mapOptions = LocalCachedMapOptions.name("bench");
		if (this.options.equals("objectKey")) {
			mapOptions.useObjectAsCacheKey(true);
		}
		this.map = this.client.getLocalCachedMap(mapOptions);
		this.keySpace = KeySpace.create(this.keyType, this.distribution);
		Object[] keys = this.keySpace.keys();
		Map<Object, Object> values = new HashMap<>();
		for (int i = 0; i < keys.length; i++) {
			values.put(keys[i], KeySpace.value(i));
		}
		this.map.putAll(values);
		for (Object key : keys) {
			if (this.map.get(key) == null) {
				throw new IllegalStateException("Not warm: " + key);
			}
		}
		if (this.map.getCachedMap().size() != keys.length) {
			throw new IllegalStateException("Local cache holds " + this.map.getCachedMap().size() + " entries");
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.client.shutdown();
		this.redis.close();
	}

	@Benchmark
	public Object get(Cursor cursor) {
		return this.map.get(this.keySpace.key(cursor.next++));
	}

	/** Where one thread is in the key sequence; threads start at different places. */
	@State(Scope.Thread)
	public static class Cursor {

		int next = ThreadLocalRandom.current().nextInt();

	}

}
