package dev.nearcache.cache;

import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;

/**
 * Where Caffeine runs a near cache's maintenance (draining its buffers after writes, evicting) and its removal
 * notifications. On application threads, as by Caffeine's default, on {@link ForkJoinPool#commonPool()}: callers
 * never do that work, and the hit path is untouched. On nearcache's own invalidation-applying threads (made by
 * {@link #inlineThreads}), right there on that thread: otherwise every applied remote invalidation hands its
 * maintenance and its removal notification to the common pool, a thread wake-up or two per message that cost
 * about as much as the eviction itself and, on a busy machine, compete with the applying and I/O threads.
 */
public final class CacheMaintenance {

	private static final ThreadLocal<Boolean> INLINE = new ThreadLocal<>();

	/** The executor of every near cache's Caffeine store. */
	static final Executor EXECUTOR = CacheMaintenance::execute;

	private CacheMaintenance() {
	}

	/**
	 * Return a thread factory whose threads run the maintenance their writes to near caches trigger themselves.
	 * @param factory makes the threads
	 * @return the factory
	 */
	public static ThreadFactory inlineThreads(ThreadFactory factory) {
		return (task) -> factory.newThread(() -> {
			INLINE.set(Boolean.TRUE);
			task.run();
		});
	}

	/**
	 * Return the executor of a store whose application asked for its own: maintenance still runs inline on
	 * nearcache's applying threads, and on the application's executor everywhere else.
	 * @param elsewhere the application's executor
	 * @return the executor
	 */
	static Executor executor(Executor elsewhere) {
		return (task) -> {
			if (INLINE.get() != null) {
				task.run();
			}
			else {
				elsewhere.execute(task);
			}
		};
	}

	private static void execute(Runnable task) {
		if (INLINE.get() != null) {
			task.run();
		}
		else {
			ForkJoinPool.commonPool().execute(task);
		}
	}

}
