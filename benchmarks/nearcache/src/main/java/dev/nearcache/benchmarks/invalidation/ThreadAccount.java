package dev.nearcache.benchmarks.invalidation;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Bytes allocated and CPU time used per live thread of this JVM ({@code com.sun.management.ThreadMXBean}), taken
 * as a snapshot before and after a measured phase and summed per group of threads. Exact (not sampled, unlike
 * JFR's allocation samples); a thread that ended during the phase is not counted, so phases keep their threads.
 */
final class ThreadAccount {

	private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory
		.getThreadMXBean();

	private final Map<Long, String> names = new HashMap<>();

	private final Map<Long, long[]> figures = new HashMap<>();

	private ThreadAccount() {
	}

	/**
	 * Return a snapshot of every live thread's allocated bytes and CPU time.
	 * @return the snapshot
	 */
	static ThreadAccount snapshot() {
		ThreadAccount account = new ThreadAccount();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			long id = thread.getId();
			long bytes = THREADS.getThreadAllocatedBytes(id);
			long cpu = THREADS.getThreadCpuTime(id);
			if (bytes >= 0) {
				account.names.put(id, thread.getName());
				account.figures.put(id, new long[] { bytes, Math.max(0, cpu) });
			}
		}
		return account;
	}

	/**
	 * Return the bytes and CPU nanoseconds of each group from {@code before} to this snapshot; threads that started
	 * during the phase count from zero.
	 * @param before the earlier snapshot
	 * @param group the group of a thread, from its id and name ({@code null}: not counted)
	 * @return group to {bytes, CPU nanoseconds, threads}, sorted by group
	 */
	Map<String, long[]> since(ThreadAccount before, Function<Map.Entry<Long, String>, String> group) {
		Map<String, long[]> groups = new TreeMap<>();
		for (Map.Entry<Long, String> thread : this.names.entrySet()) {
			String name = group.apply(thread);
			if (name == null) {
				continue;
			}
			long[] now = this.figures.get(thread.getKey());
			long[] then = before.figures.getOrDefault(thread.getKey(), new long[2]);
			long[] sum = groups.computeIfAbsent(name, (key) -> new long[3]);
			sum[0] += now[0] - then[0];
			sum[1] += now[1] - then[1];
			sum[2]++;
		}
		return groups;
	}

	/**
	 * The usual groups: the Lettuce I/O threads, nearcache's publishing and applying threads, everything else.
	 * @param name a thread's name
	 * @return its group
	 */
	static String defaultGroup(String name) {
		if (name.startsWith("lettuce-")) {
			return "lettuce-io";
		}
		if (name.startsWith("nearcache-publisher")) {
			return "publisher";
		}
		if (name.startsWith("nearcache-invalidation")) {
			return "applying";
		}
		return "other";
	}

}
