package dev.nearcache.benchmarks.jetcache;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.alicp.jetcache.Cache;
import com.alicp.jetcache.support.Fastjson2KeyConvertor;
import dev.nearcache.benchmarks.support.LatencySamples;
import dev.nearcache.benchmarks.support.RedisProcess;

/**
 * Publish-to-evicted between two JetCache instances ({@link JetCacheInstance}: each its own Lettuce client and
 * cache manager, as two application instances would have) sharing cache {@code bench} with {@code syncLocal},
 * in one JVM so that both ends read the same clock, on one {@code redis-server}. Same schedule, warm-up and
 * output as nearcache's {@code InvalidationLatency} ({@link LatencySamples}), so the lines are comparable.
 * <p>
 * Instance B writes every key first (its local tier then holds them all; its broadcast reaches A, whose local
 * tier is empty). Sender: instance A calls {@code cache.remove(i)} for key {@code i}, the time taken just before
 * the call. That is the closest to nearcache's {@code invalidate(key)}: it drops the value everywhere; JetCache
 * removes it from A's tiers and, once the remote delete has completed, broadcasts a {@code REMOVE} message
 * ({@code put} would broadcast the same removal, after writing a value). Receiver: JetCache's own broadcast
 * processing on instance B, observed by {@link TimedBroadcastManager}, which takes the time right after JetCache
 * removed the keys from B's local tier; the entry is checked to be gone then, and once more for every key after
 * the run.
 * <p>
 * Arguments: {@code <output file> [samples=10000] [warmup=2000] [intervalMicros=500]}. Output: one line named
 * {@code jetcache}, tab-separated: name, samples, p50, p90, p99, p99.9, max (µs), lost, not evicted.
 */
public final class JetCacheInvalidationLatency {

	private JetCacheInvalidationLatency() {
	}

	public static void main(String[] args) throws Exception {
		Path output = Path.of(args[0]);
		int samples = (args.length > 1) ? Integer.parseInt(args[1]) : 10_000;
		int warmup = (args.length > 2) ? Integer.parseInt(args[2]) : 2_000;
		long intervalNanos = ((args.length > 3) ? Long.parseLong(args[3]) : 500) * 1_000;
		String line;
		try (RedisProcess redis = RedisProcess.start()) {
			line = measure(redis.uri(), new LatencySamples(warmup, samples), intervalNanos);
		}
		Files.writeString(output, line);
		System.out.print(line);
		System.exit(0);
	}

	private static String measure(String uri, LatencySamples samples, long intervalNanos)
			throws InterruptedException {
		int total = samples.total();
		// Keys travel as the key convertor made them.
		Map<Object, Integer> index = new HashMap<>();
		Map<Long, String> values = new HashMap<>();
		for (int i = 0; i < total; i++) {
			index.put(Fastjson2KeyConvertor.INSTANCE.apply((long) i), i);
			values.put((long) i, "value-" + i);
		}
		TimedBroadcastManager.Applied received = (manager, message, now) -> {
			if (!JetCacheInstance.CACHE.equals(message.getCacheName()) || message.getKeys() == null) {
				return;
			}
			Cache<Long, String> local = JetCacheInstance
				.localTier(manager.getCacheManager().getCache(message.getArea(), message.getCacheName()));
			for (Object key : message.getKeys()) {
				Integer i = index.get(key);
				if (i != null && samples.arrived(i, now) && local.get((long) i) != null) {
					samples.notEvicted(i);
				}
			}
		};
		try (JetCacheInstance a = JetCacheInstance.start(uri, null);
				JetCacheInstance b = JetCacheInstance.start(uri, received)) {
			b.cache.putAll(values);
			Cache<Long, String> onB = JetCacheInstance.localTier(b.cache);
			for (long i = 0; i < total; i++) {
				if (onB.get(i) == null) {
					throw new IllegalStateException("B not warm: " + i);
				}
			}
			samples.send(intervalNanos, (i) -> a.cache.remove((long) i));
			samples.await(Duration.ofSeconds(5));
			for (int i = 0; i < total; i++) {
				if (onB.get((long) i) != null) {
					samples.notEvicted(i);
				}
			}
			System.out.println("receiving hook ran on thread " + samples.receiverThread());
			return samples.line("jetcache");
		}
	}

}
