package dev.nearcache.benchmarks.invalidation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import com.github.benmanes.caffeine.cache.Cache;

import dev.nearcache.benchmarks.support.RedisProcess;
import dev.nearcache.invalidation.ChannelMonitor;
import dev.nearcache.invalidation.InvalidationApplier;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import static dev.nearcache.benchmarks.support.LatencySamples.line;

/**
 * Publish-to-evicted between two nearcache instances on one {@code redis-server}, at a steady (open-loop) rate,
 * beside the raw pub/sub floor measured in the same run: plain Lettuce {@code PUBLISH} to a Lettuce listener
 * that runs on the I/O thread.
 * <p>
 * Sender: key {@code i} is invalidated ({@link dev.nearcache.cache.NearCacheInvalidator#invalidate}) at
 * {@code t0 + i * interval}, the time taken just before the call. Receiver: an {@link InvalidationApplier}
 * subclass (what a user-defined applier bean would be) takes the time right after the real applier returned,
 * for the keys that are gone from Caffeine then (keys are invalidated in order, all cached, so those are the keys
 * the message evicted); it does not decode the message a second time. After the run, {@code not evicted} counts
 * the keys still cached. Nothing polls or spins: the sender
 * parks until the next send time, the receiver is the subscriber's own applying thread.
 * <p>
 * Arguments: {@code <output file> [samples=10000] [warmup=2000] [intervalMicros=500]}. Output: one line per
 * measurement, tab-separated: name, samples, p50, p90, p99, p99.9, max (µs), lost, not evicted. The floor is run
 * before and after nearcache; the line {@code floor} pools both.
 */
public final class InvalidationLatency {

	private InvalidationLatency() {
	}

	public static void main(String[] args) throws Exception {
		Path output = Path.of(args[0]);
		int samples = (args.length > 1) ? Integer.parseInt(args[1]) : 10_000;
		int warmup = (args.length > 2) ? Integer.parseInt(args[2]) : 2_000;
		long intervalNanos = ((args.length > 3) ? Long.parseLong(args[3]) : 500) * 1_000;
		StringBuilder report = new StringBuilder();
		try (RedisProcess redis = RedisProcess.start()) {
			// A cold JVM first: JIT and class loading would land in whichever measurement came first.
			floor(redis, "warm-up", warmup, warmup, intervalNanos, null);
			List<Long> floors = new ArrayList<>();
			report.append(floor(redis, "floor (before)", samples, warmup, intervalNanos, floors));
			report.append(nearcache(redis, samples, warmup, intervalNanos));
			report.append(floor(redis, "floor (after)", samples, warmup, intervalNanos, floors));
			long[] pooled = floors.stream().mapToLong(Long::longValue).sorted().toArray();
			report.append(line("floor", pooled, 0, 0));
		}
		Files.writeString(output, report);
		System.out.print(report);
		System.exit(0);
	}

	private static String floor(RedisProcess redis, String name, int samples, int warmup, long intervalNanos,
			List<Long> pool) throws InterruptedException {
		int total = warmup + samples;
		long[] sent = new long[total];
		long[] arrived = new long[total];
		RedisClient client = RedisClient.create(redis.uri());
		try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
				StatefulRedisConnection<String, String> pub = client.connect()) {
			sub.addListener(new RedisPubSubAdapter<>() {
				@Override
				public void message(String channel, String message) {
					long now = System.nanoTime();
					arrived[Integer.parseInt(message)] = now;
				}
			});
			sub.sync().subscribe("floor");
			long start = System.nanoTime();
			for (int i = 0; i < total; i++) {
				pace(start + i * intervalNanos);
				sent[i] = System.nanoTime();
				pub.async().publish("floor", Integer.toString(i));
			}
			Thread.sleep(1000);
		}
		finally {
			client.shutdown();
		}
		long[] micros = micros(sent, arrived, warmup);
		if (pool != null) {
			for (long m : micros) {
				pool.add(m);
			}
		}
		return line(name, micros, sent.length - warmup - micros.length, 0);
	}

	private static String nearcache(RedisProcess redis, int samples, int warmup, long intervalNanos)
			throws InterruptedException {
		int total = warmup + samples;
		long[] sent = new long[total];
		long[] arrived = new long[total];
		int[] nextEviction = new int[1];
		AtomicBoolean sending = new AtomicBoolean();
		try (Instance writer = Instance.start(redis.port(), "writer");
				Instance reader = Instance.start(redis.port(), "reader", (manager, codec, statistics,
						monitor) -> new InvalidationApplier(manager, codec, statistics, monitor) {
							@Override
							public void apply(byte[] body, ChannelMonitor channelMonitor) {
								super.apply(body, channelMonitor);
								long now = System.nanoTime();
								if (!sending.get()) {
									return;
								}
								// Keys are invalidated in order and every one was cached: the keys from the
								// next expected one on that are gone now were evicted by this message. No
								// second decode, so the receiver allocates no more than nearcache itself.
								Cache<Object, Object> store = manager.findCache(Instance.CACHE).getNativeCache();
								int i = nextEviction[0];
								while (i < total && store.getIfPresent((long) i) == null) {
									arrived[i++] = now;
								}
								nextEviction[0] = i;
							}
						})) {
			writer.awaitSubscribed();
			reader.awaitSubscribed();
			for (int i = 0; i < total; i++) {
				String value = "value-" + i;
				// A load (not a write): fills the reader's cache without broadcasting anything.
				reader.cache.get((long) i, () -> value);
			}
			if (reader.cache.getNativeCache().estimatedSize() < total) {
				throw new IllegalStateException("reader not warm: " + reader.cache.getNativeCache().estimatedSize());
			}
			sending.set(true);
			long start = System.nanoTime();
			for (int i = 0; i < total; i++) {
				pace(start + i * intervalNanos);
				sent[i] = System.nanoTime();
				writer.invalidator.invalidate(Instance.CACHE, (long) i);
			}
			Thread.sleep(1000);
			long[] micros = micros(sent, arrived, warmup);
			long notEvicted = 0;
			for (int i = 0; i < total; i++) {
				if (reader.cache.getNativeCache().getIfPresent((long) i) != null) {
					notEvicted++;
				}
			}
			return line("nearcache", micros, samples - micros.length, notEvicted);
		}
	}

	/** Park (never spin) until the given time; late sends are not made up for by bursts beyond one. */
	private static void pace(long at) {
		long wait;
		while ((wait = at - System.nanoTime()) > 0) {
			LockSupport.parkNanos(wait);
		}
	}

	/** Sorted latencies in µs of the samples after the warm-up that arrived. */
	private static long[] micros(long[] sent, long[] arrived, int warmup) {
		long[] micros = new long[sent.length - warmup];
		int got = 0;
		for (int i = warmup; i < sent.length; i++) {
			if (arrived[i] != 0) {
				micros[got++] = (arrived[i] - sent[i]) / 1_000;
			}
		}
		micros = Arrays.copyOf(micros, got);
		Arrays.sort(micros);
		return micros;
	}

}
