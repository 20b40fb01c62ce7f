package dev.nearcache.metrics;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;

import dev.nearcache.cache.NearCache;

/**
 * The standard cache meters of a {@link NearCache}, as Micrometer's {@link CaffeineCacheMetrics} gives them for
 * Spring's own Caffeine caches ({@code cache.gets}, {@code cache.puts}, {@code cache.evictions},
 * {@code cache.size}, {@code cache.load*}), so that existing cache dashboards work unchanged.
 * <p>
 * One difference: Caffeine counts only loader calls as puts, which would leave {@code cache.puts} at zero for
 * {@code @Cacheable} methods (whose result is put after the miss). Here {@code cache.puts} counts every value
 * loaded into the cache: loader calls and fills after a miss. And a read of a cached null past its
 * {@code null-ttl}, a hit to Caffeine, is a miss here, as the caller saw it. Every meter reads counters when it is published;
 * nothing is added to the hit path.
 */
public class NearCacheMeterBinderProvider implements CacheMeterBinderProvider<NearCache> {

	@Override
	public MeterBinder getMeterBinder(NearCache cache, Iterable<Tag> tags) {
		return new NearCacheCaffeineMetrics(cache, tags);
	}

	private static final class NearCacheCaffeineMetrics extends CaffeineCacheMetrics<Object, Object, Cache<Object, Object>> {

		private final NearCache cache;

		NearCacheCaffeineMetrics(NearCache cache, Iterable<Tag> tags) {
			super(cache.getNativeCache(), cache.getName(), tags);
			this.cache = cache;
		}

		@Override
		protected long hitCount() {
			return this.cache.getStatistics().hits();
		}

		@Override
		protected Long missCount() {
			return this.cache.getStatistics().misses();
		}

		@Override
		protected long putCount() {
			return this.cache.getStatistics().loads();
		}

	}

}
