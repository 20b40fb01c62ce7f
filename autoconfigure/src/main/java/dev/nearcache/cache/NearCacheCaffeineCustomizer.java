package dev.nearcache.cache;

/**
 * Shapes the Caffeine cache behind one near cache, beyond what its properties say: a weigher with a maximum weight,
 * an executor, a removal listener of the application's own, an initial capacity. Declare it as a bean; every
 * customizer is called, in order, for every cache when it is created (at startup, or on first use when caches are
 * dynamic).
 * <p>
 * nearcache keeps what coherence needs: the expiry (a fixed time after write, the TTL that bounds staleness when
 * an invalidation is lost, capped while degraded), statistics, and its own removal bookkeeping. That is why the
 * customizer gets {@link CaffeineOptions} rather than Caffeine's builder: it can set only what does not weaken
 * coherence.
 */
@FunctionalInterface
public interface NearCacheCaffeineCustomizer {

	/**
	 * Customize the Caffeine cache of one near cache.
	 * @param settings the cache's resolved settings, its name included
	 * @param options what may be set
	 */
	void customize(NearCacheSettings settings, CaffeineOptions options);

}
