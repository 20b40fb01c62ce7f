package dev.nearcache.integration;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.nearcache.invalidation.DropReason;
import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a flood of 10,000 messages a second costs one instance: a real Redis, one instance serving a steady read load
 * on hot keys, and a raw Lettuce publisher flooding the channel with clears, garbage, key invalidations and
 * sequence gaps. Prints, per flood, the CPU of the instance's threads (the applying thread separately), the process
 * CPU, messages received, applied and dropped, clears run and coalesced, and loads caused (database reads).
 * <p>
 * Opt-in, since it saturates a core for a while: {@code ./mvnw -pl autoconfigure test -Dtest=FloodTests
 * -DargLine=-Dnearcache.flood.seconds=10}. Figures: {@code docs/security.md}, "Flood".
 */
@EnabledIfSystemProperty(named = "nearcache.flood.seconds", matches = "\\d+")
class FloodTests {

	private static final int RATE = 10_000;

	private static final int HOT_KEYS = 10;

	private static final int READS_PER_SECOND = 5_000;

	private static final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();

	private static final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory
		.getOperatingSystemMXBean();

	private static final String[] GARBAGE = { "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":[42]}",
			"{\"v\":1,\"type\":\"clear\",\"cache\":\"products\"", "{\"v\":2,\"type\":\"clear\"}",
			"{\"v\":1,\"type\":\"flush\"}", "{\"v\":1,\"v\":1,\"type\":\"clear\"}", "[[[[[[[[[[[[]]]]]]]]]]]]",
			"{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":\"42\"}", "null",
			"{\"v\":\"1\",\"type\":\"clear\"}", "{\"v\":1,\"type\":\"clear\",\"seq\":-1}" };

	private final Duration phase = Duration.ofSeconds(Long.getLong("nearcache.flood.seconds", 2));

	@Test
	void floodOfTenThousandMessagesPerSecond() throws Exception {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 0; id < HOT_KEYS; id++) {
			CatalogTestApplication.database.put(id, "row-" + id);
		}
		List<String> report = new ArrayList<>();
		try (RedisServerProcess redis = RedisServerProcess.start(); Flooder flooder = new Flooder(redis.redisUri())) {
			try (Instance instance = start(redis, "100ms")) {
				// Warm up the JIT of both sides on a flood that is not reported.
				flooder.flood((i) -> GARBAGE[(int) (i % GARBAGE.length)], Duration.ofSeconds(3));
				report.add(measure("none (baseline)", instance, flooder, null).line());
				Figures clears = measure("clear of one cache", instance, flooder,
						(i) -> "{\"v\":1,\"type\":\"clear\",\"origin\":\"flooder\",\"cache\":\"products\"}");
				report.add(clears.line());
				// At most a leading and a trailing clear per 100 ms window, however many arrive.
				assertThat(clears.cacheClears).isLessThanOrEqualTo(2 * (clears.elapsedMillis / 100 + 2));
				report.add(measure("clear of every cache", instance, flooder,
						(i) -> "{\"v\":1,\"type\":\"clear\",\"origin\":\"flooder\"}").line());
				Figures garbage = measure("garbage (10 malformed/invalid kinds)", instance, flooder,
						(i) -> GARBAGE[(int) (i % GARBAGE.length)]);
				report.add(garbage.line());
				assertThat(garbage.dropped).isEqualTo(garbage.sent);
				report.add(measure("key invalidations (hot and cold keys)", instance, flooder,
						(i) -> "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"flooder\",\"cache\":\"products\",\"keys\":[\""
								+ ThreadLocalRandom.current().nextInt(HOT_KEYS * 100) + "\"]}").line());
				report.add(measure("key invalidations of an unknown cache", instance, flooder,
						(i) -> "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"flooder\",\"cache\":\"nope\",\"keys\":[\"" + i
								+ "\"]}").line());
				report.add(measure("sequence gaps (seq += 2, unknown cache)", instance, flooder,
						(i) -> "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"gapper\",\"seq\":" + (2 * i)
								+ ",\"cache\":\"nope\",\"keys\":[\"x\"]}").line());
			}
			try (Instance instance = start(redis, "0")) {
				report.add(measure("clear of one cache, coalescing off (window 0)", instance, flooder,
						(i) -> "{\"v\":1,\"type\":\"clear\",\"origin\":\"flooder\",\"cache\":\"products\"}").line());
			}
		}
		System.out.println("flood: " + RATE + " msg/s for " + this.phase.toSeconds() + " s per flood, " + HOT_KEYS
				+ " hot keys read " + READS_PER_SECOND + " times/s; " + Runtime.getRuntime().availableProcessors()
				+ " cores");
		System.out.println(Figures.HEADER);
		report.forEach(System.out::println);
	}

	private static Instance start(RedisServerProcess redis, String window) {
		Instance instance = Instance.start(redis.port(), "nearcache.invalidation.clear-coalesce-window=" + window,
				"spring.application.name=flood");
		await().atMost(Duration.ofSeconds(15)).until(instance::subscribed);
		return instance;
	}

	private Figures measure(String name, Instance instance, Flooder flooder, @Nullable LongFunction<String> message)
			throws InterruptedException {
		InvalidationStatistics statistics = instance.statistics();
		CatalogTestApplication.ProductService service = instance.service();
		for (long id = 0; id < HOT_KEYS; id++) {
			service.find(id);
		}
		Snapshot before = new Snapshot(instance);
		Map<Long, Long> cpuBefore = threadCpu();
		long processCpuBefore = os.getProcessCpuTime();
		long start = System.nanoTime();
		AtomicBoolean reading = new AtomicBoolean(true);
		AtomicLong reads = new AtomicLong();
		Thread reader = new Thread(() -> readSteadily(service, reading, reads), "flood-reader");
		reader.start();
		long sent = (message != null) ? flooder.flood(message, this.phase) : 0;
		if (message == null) {
			LockSupport.parkNanos(this.phase.toNanos());
		}
		long expected = before.received + sent;
		await().atMost(Duration.ofSeconds(30)).until(() -> statistics.received() >= expected);
		reading.set(false);
		reader.join();
		// Trailing clears of the last window.
		LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
		long elapsedNanos = System.nanoTime() - start;
		long processCpu = os.getProcessCpuTime() - processCpuBefore;
		Map<Long, Long> cpuAfter = threadCpu();
		Snapshot after = new Snapshot(instance);
		long applying = 0;
		long instanceThreads = 0;
		for (Map.Entry<Long, Long> entry : cpuAfter.entrySet()) {
			Thread thread = threadById(entry.getKey());
			String threadName = (thread != null) ? thread.getName() : "";
			long used = entry.getValue() - cpuBefore.getOrDefault(entry.getKey(), 0L);
			if (threadName.startsWith("flooder") || threadName.startsWith("flood-reader")
					|| thread == Thread.currentThread()) {
				continue;
			}
			instanceThreads += used;
			if (threadName.equals("nearcache-invalidation")) {
				applying += used;
			}
		}
		return new Figures(name, sent, after.received - before.received, after.applied - before.applied,
				after.dropped - before.dropped, after.clears - before.clears, after.coalesced - before.coalesced,
				after.gapFlushes - before.gapFlushes, after.coalescedFlushes - before.coalescedFlushes,
				after.loads - before.loads, reads.get(),
				TimeUnit.NANOSECONDS.toMillis(elapsedNanos), applying, instanceThreads, processCpu);
	}

	/** A steady read load on the hot keys, as an application's traffic would be. */
	private static void readSteadily(CatalogTestApplication.ProductService service, AtomicBoolean reading,
			AtomicLong reads) {
		long interval = TimeUnit.SECONDS.toNanos(1) / READS_PER_SECOND;
		long next = System.nanoTime();
		while (reading.get()) {
			service.find(reads.getAndIncrement() % HOT_KEYS);
			next += interval;
			long wait = next - System.nanoTime();
			if (wait > 0) {
				LockSupport.parkNanos(wait);
			}
		}
	}

	private static Map<Long, Long> threadCpu() {
		Map<Long, Long> cpu = new HashMap<>();
		for (long id : threads.getAllThreadIds()) {
			long used = threads.getThreadCpuTime(id);
			if (used >= 0) {
				cpu.put(id, used);
			}
		}
		return cpu;
	}

	@SuppressWarnings("deprecation") // Thread.threadId() needs Java 19
	private static @Nullable Thread threadById(long id) {
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getId() == id) {
				return thread;
			}
		}
		return null;
	}

	/** Counters of the instance at one moment. */
	private static final class Snapshot {

		final long received;

		final long applied;

		final long dropped;

		final long clears;

		final long coalesced;

		final long gapFlushes;

		final long coalescedFlushes;

		final long loads;

		Snapshot(Instance instance) {
			InvalidationStatistics statistics = instance.statistics();
			this.received = statistics.received();
			this.applied = statistics.applied();
			this.dropped = statistics.droppedByReason().values().stream().mapToLong(Long::longValue).sum();
			this.clears = instance.cacheManager().findCache("products").getStatistics().clears();
			this.coalesced = statistics.coalescedClears();
			this.gapFlushes = statistics.flushes(FlushReason.GAP);
			this.coalescedFlushes = statistics.coalescedFlushes();
			this.loads = instance.service().loads();
		}

	}

	/** What one flood cost. */
	private record Figures(String name, long sent, long received, long applied, long dropped, long cacheClears,
			long coalesced, long gapFlushes, long coalescedFlushes, long loads, long reads, long elapsedMillis, long applyingCpuNanos,
			long instanceCpuNanos, long processCpuNanos) {

		static final String HEADER = "| flood | sent | received | applied | dropped | `products` clears run | "
				+ "clears coalesced | gap flushes run / coalesced | loads (DB reads) / reads | applying thread CPU | instance threads "
				+ "CPU | process CPU |";

		String line() {
			double seconds = this.elapsedMillis / 1000.0;
			return String.format("| %s | %,d | %,d | %,d | %,d | %,d | %,d | %,d / %,d | %,d / %,d | %.0f%% | %.0f%% | %.0f%% |",
					this.name, this.sent, this.received, this.applied, this.dropped, this.cacheClears, this.coalesced,
					this.gapFlushes, this.coalescedFlushes, this.loads, this.reads, percent(this.applyingCpuNanos, seconds),
					percent(this.instanceCpuNanos, seconds), percent(this.processCpuNanos, seconds));
		}

		private static double percent(long cpuNanos, double seconds) {
			return 100.0 * cpuNanos / 1e9 / seconds;
		}

	}

	/** A raw Lettuce publisher on its own event loop threads (named {@code flooder-…}). */
	private static final class Flooder implements AutoCloseable {

		private final ClientResources resources = DefaultClientResources.builder()
			.threadFactoryProvider((poolName) -> (runnable) -> {
				Thread thread = new Thread(runnable, "flooder-" + poolName);
				thread.setDaemon(true);
				return thread;
			})
			.build();

		private final RedisClient client;

		private final StatefulRedisConnection<byte[], byte[]> connection;

		Flooder(String redisUri) {
			this.client = RedisClient.create(this.resources, redisUri);
			this.connection = this.client.connect(ByteArrayCodec.INSTANCE);
		}

		/**
		 * Publish {@link #RATE} messages a second, in batches every millisecond, for a while.
		 * @return how many were published
		 */
		long flood(LongFunction<String> message, Duration duration) throws InterruptedException {
			byte[] channel = "nearcache:flood".getBytes(StandardCharsets.UTF_8);
			long start = System.nanoTime();
			long sent = 0;
			List<RedisFuture<Long>> pending = new ArrayList<>();
			while (System.nanoTime() - start < duration.toNanos()) {
				long due = (System.nanoTime() - start) * RATE / TimeUnit.SECONDS.toNanos(1);
				while (sent < due) {
					pending.add(this.connection.async()
						.publish(channel, message.apply(sent).getBytes(StandardCharsets.UTF_8)));
					sent++;
				}
				if (pending.size() > 1000) {
					for (RedisFuture<Long> future : pending) {
						future.await(10, TimeUnit.SECONDS);
					}
					pending.clear();
				}
				LockSupport.parkNanos(1_000_000);
			}
			for (RedisFuture<Long> future : pending) {
				future.await(10, TimeUnit.SECONDS);
			}
			return sent;
		}

		@Override
		public void close() {
			this.connection.close();
			this.client.shutdown();
			this.resources.shutdown();
		}

	}

}
