package dev.nearcache.benchmarks;

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

import org.springframework.cache.Cache;
import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * What a cache without a near tier costs: a hit through Spring's {@code RedisCacheManager} in its default
 * configuration (JDK serialisation of values) on a {@code redis-server} this benchmark starts on a free
 * loopback port. Lettuce shares one connection between threads, as Spring Boot configures it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisCacheBenchmark {

	@Param({ "string", "long" })
	public String keyType;

	@Param({ "uniform" })
	public String distribution;

	private RedisProcess redis;

	private LettuceConnectionFactory connectionFactory;

	private KeySpace keySpace;

	private Cache target;

	@Setup(Level.Trial)
	public void warm() {
		this.redis = RedisProcess.start();
		this.connectionFactory = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", this.redis.port()));
		this.connectionFactory.afterPropertiesSet();
		this.connectionFactory.start();
		RedisCacheManager manager = RedisCacheManager.create(this.connectionFactory);
		manager.initializeCaches();
		this.target = manager.getCache("bench");
		this.keySpace = KeySpace.create(this.keyType, this.distribution);
		Object[] keys = this.keySpace.keys();
		for (int i = 0; i < keys.length; i++) {
			this.target.put(keys[i], KeySpace.value(i));
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.connectionFactory.destroy();
		this.redis.close();
	}

	@Benchmark
	public ValueWrapper get(SpringCacheHitBenchmark.Cursor cursor) {
		return this.target.get(this.keySpace.key(cursor.next++));
	}

}
