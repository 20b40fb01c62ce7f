package dev.nearcache.benchmarks.redisson;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.nearcache.benchmarks.support.LatencySamples;
import dev.nearcache.benchmarks.support.RedisProcess;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.LocalCacheInvalidateListener;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.config.Config;

/**
 * Publish-to-evicted between two Redisson {@code RLocalCachedMap}s of the same name, the way two application
 * instances would share one: two {@link RedissonClient}s (each its own connections and threads) in one JVM, so
 * that both ends read the same clock, on one {@code redis-server}. Same schedule, warm-up and output as nearcache's
 * {@code InvalidationLatency} ({@link LatencySamples}), so the lines are comparable.
 * <p>
 * Options as {@code LocalCachedMapOptions.name} returns them: sync strategy {@code INVALIDATE}, no eviction, no
 * size limit, Redisson's default codec. Instance B reads every key first, so its local cache holds them all.
 * Sender: instance A calls {@code fastRemove(i)} for key {@code i}, the time taken just before the call. That is
 * the closest to nearcache's {@code invalidate(key)}: it drops the value everywhere, and with the default
 * {@code INVALIDATE} strategy its script deletes the hash field and publishes an invalidation message in one
 * round trip ({@code fastPut} would send the same message, and also write a value). Receiver: a
 * {@link LocalCacheInvalidateListener} on instance B, Redisson's own hook. Redisson calls it after it removed the
 * entry from the local cache, and only when there was one to remove, so the time it takes is when B no longer
 * serves the old value; it checks that through {@code getCachedMap()}, and once more for every key after the run.
 * <p>
 * Arguments: {@code <output file> [samples=10000] [warmup=2000] [intervalMicros=500]}. Output: one line named
 * {@code redisson}, tab-separated: name, samples, p50, p90, p99, p99.9, max (µs), lost, not evicted.
 */
public final class RedissonInvalidationLatency {

	private static final String MAP = "bench";

	private RedissonInvalidationLatency() {
	}

	public static void main(String[] args) throws Exception {
		Path output = Path.of(args[0]);
		int samples = (args.length > 1) ? Integer.parseInt(args[1]) : 10_000;
		int warmup = (args.length > 2) ? Integer.parseInt(args[2]) : 2_000;
		long intervalNanos = ((args.length > 3) ? Long.parseLong(args[3]) : 500) * 1_000;
		String line;
		try (RedisProcess redis = RedisProcess.start()) {
			RedissonClient a = client(redis);
			RedissonClient b = client(redis);
			try {
				line = measure(a, b, new LatencySamples(warmup, samples), intervalNanos);
			}
			finally {
				a.shutdown();
				b.shutdown();
			}
		}
		Files.writeString(output, line);
		System.out.print(line);
		System.exit(0);
	}

	private static RedissonClient client(RedisProcess redis) {
		Config config = new Config();
		config.useSingleServer().setAddress(redis.uri());
		return Redisson.create(config);
	}

	private static String measure(RedissonClient a, RedissonClient b, LatencySamples samples, long intervalNanos)
			throws InterruptedException {
		RLocalCachedMap<Long, String> onA = a.getLocalCachedMap(LocalCachedMapOptions.name(MAP));
		RLocalCachedMap<Long, String> onB = b.getLocalCachedMap(LocalCachedMapOptions.name(MAP));
		int total = samples.total();
		Map<Long, String> values = new HashMap<>();
		for (long i = 0; i < total; i++) {
			values.put(i, "value-" + i);
		}
		// Written through B (its own invalidation goes to A, whose local cache is empty), then read through B.
		onB.putAll(values);
		for (long i = 0; i < total; i++) {
			onB.get(i);
			if (!onB.getCachedMap().containsKey(i)) {
				throw new IllegalStateException("B not warm: " + i);
			}
		}
		onB.addListener((LocalCacheInvalidateListener<Long, String>) (key, value) -> {
			long now = System.nanoTime();
			int i = key.intValue();
			if (samples.arrived(i, now) && onB.getCachedMap().containsKey(key)) {
				samples.notEvicted(i);
			}
		});
		samples.send(intervalNanos, (i) -> onA.fastRemove((long) i));
		samples.await(Duration.ofSeconds(5));
		for (int i = 0; i < total; i++) {
			if (onB.getCachedMap().containsKey((long) i)) {
				samples.notEvicted(i);
			}
		}
		System.out.println("receiving hook ran on thread " + samples.receiverThread());
		return samples.line("redisson");
	}

}
