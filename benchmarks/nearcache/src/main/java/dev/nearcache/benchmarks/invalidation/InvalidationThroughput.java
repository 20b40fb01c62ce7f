package dev.nearcache.benchmarks.invalidation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nearcache.benchmarks.support.RedisProcess;
import dev.nearcache.invalidation.FlushReason;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Keys per second one writer instance invalidates while three other instances apply all of them, on one
 * {@code redis-server}, all four in this JVM (wired like the starter, default properties).
 * <p>
 * {@code single}: {@code writers} threads each call {@link dev.nearcache.cache.NearCacheInvalidator#invalidate}
 * once per key (one key per call; the publisher still coalesces what is queued while a publish is in flight).
 * {@code batch}: the same threads call {@code invalidateAll} with {@code batch} keys per call. Keys are distinct
 * {@code Long}s, so nothing is deduplicated. The clock runs from the first call until every receiver's
 * {@code remoteInvalidations} counter has grown by the number of keys (or nothing moved for 10 s: loss).
 * <p>
 * With a rate (keys/s in all), the writer threads are paced (parking, never spinning): the highest rate with no
 * loss is the sustainable throughput. Without one, they go as fast as they can, and the publisher's bound on
 * pending keys (10,000 per cache by default) turns the excess into a clear of the cache everywhere: safe
 * (nothing stays stale) but those keys are not applied one by one, and are counted as lost here.
 * <p>
 * Arguments: {@code <output file> <mode:keys:writers:batch:rate>...}, all run in one JVM on the same four
 * instances, one after the other. Appends one tab-separated line per spec: mode, writers, batch, keys, rate
 * asked, rate offered, seconds, keys/s applied (by the slowest receiver), keys applied by the slowest receiver,
 * lost, messages published, keys per message, clears on receivers, flushes on receivers, publish failures,
 * drops on receivers; then where the limit is: keys/s published (keys over the time until the writer's last
 * message of the run was published), Redis' CPU (from {@code INFO cpu} before and after, % of one core), and the
 * CPU of this JVM's threads over the run (% of one core): the publishing thread, the busiest applying thread, the
 * Lettuce I/O threads together, the writer threads together.
 */
public final class InvalidationThroughput {

	private static final Pattern CPU = Pattern.compile("used_cpu_(?:sys|user):([0-9.]+)");

	private static StatefulRedisConnection<String, String> redisInfo;

	private static final AtomicLong writerCpuNanos = new AtomicLong();

	private InvalidationThroughput() {
	}

	/** Redis' CPU seconds (system and user) so far. */
	private static double redisCpuSeconds() {
		Matcher m = CPU.matcher(redisInfo.sync().info("cpu"));
		double sum = 0;
		while (m.find()) {
			sum += Double.parseDouble(m.group(1));
		}
		return sum;
	}

	public static void main(String[] args) throws Exception {
		Path output = Path.of(args[0]);
		List<Instance> receivers = new ArrayList<>();
		StringBuilder lines = new StringBuilder();
		try (RedisProcess redis = RedisProcess.start()) {
			RedisClient client = RedisClient.create(redis.uri());
			try (StatefulRedisConnection<String, String> info = client.connect()) {
				redisInfo = info;
				run(redis, receivers, lines, args);
			}
			finally {
				client.shutdown();
			}
		}
		Files.writeString(output, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
		System.exit(0);
	}

	private static void run(RedisProcess redis, List<Instance> receivers, StringBuilder lines, String[] args)
			throws Exception {
		try (Instance writer = Instance.start(redis.port(), "writer")) {
			for (int i = 0; i < 3; i++) {
				receivers.add(Instance.start(redis.port(), "receiver-" + i));
			}
			writer.awaitSubscribed();
			for (Instance receiver : receivers) {
				receiver.awaitSubscribed();
				// Teach each receiver's cache the Long key type, as a running application's would know it.
				receiver.cache.get(-1L, () -> "value");
			}
			// Warm up: the same path, negative keys so they never collide with measured ones.
			invalidate(writer, -50_010, -10, 4, 1, 50_000);
			invalidate(writer, -250_010, -50_010, 4, 100, 200_000);
			awaitApplied(receivers, null, 0, 1_000, null, null);
			long offset = 0;
			for (int a = 1; a < args.length; a++) {
				String[] spec = args[a].split(":");
				String mode = spec[0];
				int keys = Integer.parseInt(spec[1]);
				int writers = Integer.parseInt(spec[2]);
				int batch = mode.equals("batch") ? Integer.parseInt(spec[3]) : 1;
				long rate = Long.parseLong(spec[4]);
				String line = run(writer, receivers, offset, mode, keys, writers, batch, rate);
				offset += keys;
				System.out.print(line);
				lines.append(line);
				Thread.sleep(500);
			}
		}
		finally {
			receivers.forEach(Instance::close);
		}
	}

	private static String run(Instance writer, List<Instance> receivers, long offset, String mode, int keys,
			int writers, int batch, long rate) throws Exception {
		long[] before = new long[receivers.size()];
		long flushesBefore = 0;
		long dropsBefore = 0;
		long clearsBefore = 0;
		for (int i = 0; i < receivers.size(); i++) {
			Instance receiver = receivers.get(i);
			before[i] = receiver.cache.getStatistics().remoteInvalidations();
			flushesBefore += flushes(receiver);
			clearsBefore += receiver.cache.getStatistics().clears();
			dropsBefore += drops(receiver);
		}
		long publishedBefore = writer.statistics.published();
		long failuresBefore = writer.statistics.publishFailures();
		double redisCpuBefore = redisCpuSeconds();
		writerCpuNanos.set(0);
		ThreadAccount threadsBefore = ThreadAccount.snapshot();
		long start = System.nanoTime();
		long offered = invalidate(writer, offset, offset + keys, writers, batch, rate);
		long[] lastPublished = { System.nanoTime() };
		long lastApplied = awaitApplied(receivers, before, keys, 3_000, writer, lastPublished);
		double seconds = (lastApplied - start) / 1e9;
		Map<String, long[]> cpu = ThreadAccount.snapshot().since(threadsBefore,
				(thread) -> thread.getValue().startsWith("nearcache-invalidation")
						? "applying-" + thread.getKey() : ThreadAccount.defaultGroup(thread.getValue()));
		double redisCpu = redisCpuSeconds() - redisCpuBefore;
		long busiestApplying = cpu.entrySet().stream().filter((e) -> e.getKey().startsWith("applying-"))
			.mapToLong((e) -> e.getValue()[1]).max().orElse(0);
		long min = Long.MAX_VALUE;
		long flushes = -flushesBefore;
		long drops = -dropsBefore;
		long clears = -clearsBefore;
		for (int i = 0; i < receivers.size(); i++) {
			Instance receiver = receivers.get(i);
			min = Math.min(min, receiver.cache.getStatistics().remoteInvalidations() - before[i]);
			flushes += flushes(receiver);
			clears += receiver.cache.getStatistics().clears();
			drops += drops(receiver);
		}
		long messages = writer.statistics.published() - publishedBefore;
		double offeredRate = keys / (offered / 1e9);
		return String.join("\t", mode, Integer.toString(writers), Integer.toString(batch), Integer.toString(keys),
				Long.toString(rate), String.format("%.0f", offeredRate), String.format("%.3f", seconds),
				String.format("%.0f", min / seconds), Long.toString(min), Long.toString(Math.max(0, keys - min)),
				Long.toString(messages), String.format("%.1f", (messages > 0) ? (double) min / messages : 0.0),
				Long.toString(clears), Long.toString(flushes),
				Long.toString(writer.statistics.publishFailures() - failuresBefore), Long.toString(drops),
				String.format("%.0f", keys / ((lastPublished[0] - start) / 1e9)),
				String.format("%.0f", 100 * redisCpu / seconds), percent(cpu.get("publisher"), seconds),
				String.format("%.0f", busiestApplying / 1e7 / seconds), percent(cpu.get("lettuce-io"), seconds),
				String.format("%.0f", writerCpuNanos.get() / 1e7 / seconds)) + "\n";
	}

	private static String percent(long[] group, double seconds) {
		return String.format("%.0f", (group == null) ? 0.0 : group[1] / 1e7 / seconds);
	}

	private static long drops(Instance instance) {
		return instance.statistics.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
	}

	private static long flushes(Instance instance) {
		long sum = 0;
		for (FlushReason reason : FlushReason.values()) {
			sum += instance.statistics.flushes(reason);
		}
		return sum;
	}

	private static final ThreadMXBean THREAD_CPU = ManagementFactory.getThreadMXBean();

	/**
	 * Invalidate keys {@code from} (inclusive) to {@code to} (exclusive), split among the writer threads by
	 * stride, at most {@code rate} keys per second in all (0: as fast as the threads go), parking (never
	 * spinning) when ahead of schedule.
	 * @return nanoseconds from the first call to the return of the last one
	 */
	private static long invalidate(Instance writer, long from, long to, int writers, int batch, long rate)
			throws Exception {
		CountDownLatch go = new CountDownLatch(1);
		long[] startedAt = new long[1];
		double nanosPerKeyPerThread = (rate > 0) ? 1e9 * writers / rate : 0;
		List<Thread> threads = new ArrayList<>();
		for (int w = 0; w < writers; w++) {
			int id = w;
			Thread thread = new Thread(() -> {
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					return;
				}
				List<Long> keys = new ArrayList<>(batch);
				long n = 0;
				for (long k = from + id; k < to; k += writers) {
					if (rate > 0 && (n++ % batch) == 0) {
						long due = startedAt[0] + (long) (n * nanosPerKeyPerThread);
						long wait;
						while ((wait = due - System.nanoTime()) > 50_000) {
							LockSupport.parkNanos(wait);
						}
					}
					if (batch == 1) {
						writer.invalidator.invalidate(Instance.CACHE, k);
					}
					else {
						keys.add(k);
						if (keys.size() == batch) {
							writer.invalidator.invalidateAll(Instance.CACHE, keys);
							keys = new ArrayList<>(batch);
						}
					}
				}
				if (!keys.isEmpty()) {
					writer.invalidator.invalidateAll(Instance.CACHE, keys);
				}
				writerCpuNanos.addAndGet(THREAD_CPU.getCurrentThreadCpuTime());
			}, "writer-" + w);
			thread.start();
			threads.add(thread);
		}
		startedAt[0] = System.nanoTime();
		go.countDown();
		for (Thread thread : threads) {
			thread.join();
		}
		return System.nanoTime() - startedAt[0];
	}

	/**
	 * Wait (sleeping 1 ms at a time) until every receiver counted {@code keys} more remote invalidations than
	 * {@code before}, or until the counters stood still for {@code quietMillis}; meanwhile, note in
	 * {@code lastPublished[0]} when the writer's count of published messages last moved.
	 * @return when the last receiver got there (or stopped moving)
	 */
	private static long awaitApplied(List<Instance> receivers, long[] before, long keys, long quietMillis,
			Instance writer, long[] lastPublished) throws InterruptedException {
		long lastChange = System.nanoTime();
		long lastTotal = -1;
		long published = (writer != null) ? writer.statistics.published() : 0;
		while (true) {
			if (writer != null && writer.statistics.published() != published) {
				published = writer.statistics.published();
				lastPublished[0] = System.nanoTime();
			}
			long total = 0;
			boolean done = before != null;
			for (int i = 0; i < receivers.size(); i++) {
				long applied = receivers.get(i).cache.getStatistics().remoteInvalidations();
				total += applied;
				if (before != null && applied - before[i] < keys) {
					done = false;
				}
			}
			long now = System.nanoTime();
			if (done) {
				return now;
			}
			if (total != lastTotal) {
				lastTotal = total;
				lastChange = now;
			}
			else if (now - lastChange > quietMillis * 1_000_000L) {
				return lastChange;
			}
			Thread.sleep(1);
		}
	}

}
