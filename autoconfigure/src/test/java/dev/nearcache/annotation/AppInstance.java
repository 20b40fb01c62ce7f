package dev.nearcache.annotation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.core.ConditionFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.context.ConfigurableApplicationContext;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

import static org.awaitility.Awaitility.await;

/**
 * One application instance of a {@code @CacheInvalidate} test: its own Spring context, sharing only Redis (and the
 * test's database) with the others.
 */
final class AppInstance implements AutoCloseable {

	static final Duration DEADLINE = Duration.ofSeconds(10);

	/**
	 * Wait for something that happens within milliseconds: 10 s deadline, 10 ms polls.
	 * @return the condition factory
	 */
	static ConditionFactory eventually() {
		return await().atMost(DEADLINE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
	}

	private static final AtomicLong sentinels = new AtomicLong();

	final ConfigurableApplicationContext context;

	private AppInstance(ConfigurableApplicationContext context) {
		this.context = context;
	}

	static AppInstance start(Class<?> application, int redisPort, String... properties) {
		List<String> all = new ArrayList<>(List.of("spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redisPort, "spring.data.redis.timeout=2s",
				"spring.data.redis.connect-timeout=500ms", "nearcache.invalidation.max-retry-interval=200ms"));
		all.addAll(List.of(properties));
		return startWith(application, all);
	}

	static AppInstance startLocalOnly(Class<?> application, String... properties) {
		List<String> all = new ArrayList<>(List.of("nearcache.invalidation.enabled=false"));
		all.addAll(List.of(properties));
		return startWith(application, all);
	}

	private static AppInstance startWith(Class<?> application, List<String> properties) {
		List<String> all = new ArrayList<>(List.of("spring.main.banner-mode=off", "logging.level.dev.nearcache=WARN"));
		all.addAll(properties);
		return new AppInstance(new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run());
	}

	<T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	NearCacheManager cacheManager() {
		return bean(NearCacheManager.class);
	}

	NearCacheInvalidator invalidator() {
		return bean(NearCacheInvalidator.class);
	}

	InvalidationStatistics statistics() {
		return bean(InvalidationStatistics.class);
	}

	boolean subscribed() {
		return statistics().state() == TransportState.SUBSCRIBED;
	}

	boolean holds(String cacheName, Object key) {
		return stored(cacheName, key) != null;
	}

	/** @return the value cached under the key on this instance, without counting a read */
	@Nullable Object cached(String cacheName, Object key) {
		Object stored = stored(cacheName, key);
		return (stored instanceof ValueWrapper wrapper) ? wrapper.get() : stored;
	}

	private @Nullable Object stored(String cacheName, Object key) {
		NearCache cache = cacheManager().findCache(cacheName);
		return (cache != null) ? cache.getNativeCache().getIfPresent(key) : null;
	}

	void clearLocally() {
		cacheManager().clearAllLocally();
	}

	/**
	 * Wait until every invalidation this instance published so far has been applied on {@code other}: publish a
	 * sentinel after them (one publishing thread, one channel, one applying thread keep the order) and wait for it.
	 * @param other the receiving instance
	 */
	void drainTo(AppInstance other) {
		long sentinel = sentinels.incrementAndGet();
		// A load: registers the key's type with the cache (so its canonical form finds it) and is not broadcast.
		other.cacheManager().getCache("sentinel").get(sentinel, () -> "x");
		invalidator().invalidate("sentinel", sentinel);
		eventually().until(() -> !other.holds("sentinel", sentinel));
	}

	@Override
	public void close() {
		this.context.close();
	}

}
