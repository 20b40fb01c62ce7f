package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

import dev.nearcache.cache.CacheMaintenance;

/**
 * The background threads of the transport: daemons, so that a missed shutdown never keeps a JVM alive, and
 * stopped within a bounded time, so that a Redis that does not answer never hangs a shutdown.
 */
final class DaemonThreads {

	private DaemonThreads() {
	}

	/**
	 * Return a factory of daemon threads.
	 * @param name the threads' name
	 * @return the factory
	 */
	static ThreadFactory named(String name) {
		return (task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		};
	}

	/**
	 * Return the factory of the thread that applies received messages, which runs the cache maintenance its
	 * evictions trigger itself (see {@link CacheMaintenance}).
	 * @return the factory
	 */
	static ThreadFactory applying() {
		return CacheMaintenance.inlineThreads(named("nearcache-invalidation"));
	}

	/**
	 * Start a daemon thread.
	 * @param name its name
	 * @param task what it runs
	 * @return the started thread
	 */
	static Thread start(String name, Runnable task) {
		Thread thread = named(name).newThread(task);
		thread.start();
		return thread;
	}

	/**
	 * Wait for a thread to end, then interrupt it if it has not.
	 * @param thread the thread
	 * @param timeout the longest wait
	 * @return whether it had ended within the timeout
	 */
	static boolean joinWithin(Thread thread, Duration timeout) {
		try {
			thread.join(timeout.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (thread.isAlive()) {
			thread.interrupt();
			return false;
		}
		return true;
	}

}
