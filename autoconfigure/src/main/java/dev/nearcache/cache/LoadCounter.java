package dev.nearcache.cache;

/**
 * Tells a cache hit from a miss one step outside Spring's cache interceptor, where only the method's result is
 * seen: a count, per thread, of the {@code @Cacheable} method bodies run ({@link FillCompletionAdvisor}) and of the
 * {@code sync = true} loads started or joined ({@code get(key, Callable)}, {@code retrieve(key, Supplier)}) on
 * that thread. A call through the proxy during which it did not change was answered from the cache.
 * <p>
 * Exact for a call that returns normally: Spring invokes the method only on a miss, and a {@code sync = true} read
 * that misses takes the load path, which counts even when it waits for another thread's load. Nothing is counted
 * on a hit; reading the count costs one thread-local lookup.
 */
public final class LoadCounter {

	private LoadCounter() {
	}

	/**
	 * Return how many method bodies and loads the current thread ran or waited for so far.
	 * @return the count; only differences between two calls on one thread mean anything
	 */
	public static long onThisThread() {
		return FillScope.frames().loads();
	}

}
