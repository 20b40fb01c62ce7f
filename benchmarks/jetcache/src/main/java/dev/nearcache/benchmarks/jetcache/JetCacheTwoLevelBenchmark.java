package dev.nearcache.benchmarks.jetcache;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.alicp.jetcache.Cache;
import com.alicp.jetcache.MultiLevelCacheBuilder;
import com.alicp.jetcache.embedded.CaffeineCacheBuilder;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheBuilder;
import com.alicp.jetcache.support.Fastjson2KeyConvertor;
import com.alicp.jetcache.support.JavaValueDecoder;
import com.alicp.jetcache.support.JavaValueEncoder;
import dev.nearcache.benchmarks.support.KeySpace;
import dev.nearcache.benchmarks.support.RedisProcess;
import io.lettuce.core.RedisClient;
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

/**
 * A warm local hit on JetCache's two-level cache: a Caffeine local tier (limit 100,000, five minutes after
 * write) over a Lettuce remote tier, both with JetCache's documented default key convertor ({@code fastjson2})
 * and Java value encoding for the remote tier. Every key was written through the two-level cache, so
 * {@code get} is answered by the local tier. A {@code redis-server} is started by the benchmark on a free
 * loopback port.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JetCacheTwoLevelBenchmark {

	@Param({ "string", "long" })
	public String keyType;

	@Param({ "uniform" })
	public String distribution;

	private RedisProcess redis;

	private RedisClient client;

	private KeySpace keySpace;

	private Cache<Object, Object> cache;

	@Setup(Level.Trial)
	public void warm() {
		this.redis = RedisProcess.start();
		this.client = RedisClient.create(this.redis.uri());
		Cache<Object, Object> local = CaffeineCacheBuilder.createCaffeineCacheBuilder()
			.limit(100_000)
			.expireAfterWrite(5, TimeUnit.MINUTES)
			.keyConvertor(Fastjson2KeyConvertor.INSTANCE)
			.buildCache();
		Cache<Object, Object> remote = RedisLettuceCacheBuilder.createRedisLettuceCacheBuilder()
			.redisClient(this.client)
			.keyPrefix("bench:")
			.keyConvertor(Fastjson2KeyConvertor.INSTANCE)
			.valueEncoder(JavaValueEncoder.INSTANCE)
			.valueDecoder(JavaValueDecoder.INSTANCE)
			.expireAfterWrite(5, TimeUnit.MINUTES)
			.buildCache();
		this.cache = MultiLevelCacheBuilder.createMultiLevelCacheBuilder()
			.addCache(local, remote)
			.expireAfterWrite(5, TimeUnit.MINUTES)
			.buildCache();
		this.keySpace = KeySpace.create(this.keyType, this.distribution);
		Object[] keys = this.keySpace.keys();
		for (int i = 0; i < keys.length; i++) {
			this.cache.put(keys[i], KeySpace.value(i));
		}
		for (Object key : keys) {
			if (local.get(key) == null) {
				throw new IllegalStateException("Not in the local tier: " + key);
			}
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.cache.close();
		this.client.shutdown();
		this.redis.close();
	}

	@Benchmark
	public Object get(Cursor cursor) {
		return this.cache.get(this.keySpace.key(cursor.next++));
	}

	/** Where one thread is in the key sequence; threads start at different places. */
	@State(Scope.Thread)
	public static class Cursor {

		int next = ThreadLocalRandom.current().nextInt();

	}

}
