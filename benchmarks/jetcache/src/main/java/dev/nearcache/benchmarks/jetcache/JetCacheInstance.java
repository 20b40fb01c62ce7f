package dev.nearcache.benchmarks.jetcache;

import java.util.Map;

import com.alicp.jetcache.Cache;
import com.alicp.jetcache.CacheBuilder;
import com.alicp.jetcache.CacheManager;
import com.alicp.jetcache.CacheUtil;
import com.alicp.jetcache.MultiLevelCache;
import com.alicp.jetcache.SimpleCacheManager;
import com.alicp.jetcache.anno.CacheConsts;
import com.alicp.jetcache.anno.CacheType;
import com.alicp.jetcache.embedded.CaffeineCacheBuilder;
import com.alicp.jetcache.redis.lettuce.JetCacheCodec;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheBuilder;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheConfig;
import com.alicp.jetcache.support.BroadcastManager;
import com.alicp.jetcache.support.Fastjson2KeyConvertor;
import com.alicp.jetcache.support.JavaValueDecoder;
import com.alicp.jetcache.support.JavaValueEncoder;
import com.alicp.jetcache.template.CacheBuilderTemplate;
import com.alicp.jetcache.template.NotifyMonitorInstaller;
import com.alicp.jetcache.template.QuickConfig;
import io.lettuce.core.RedisClient;

/**
 * One JetCache "application instance", wired the way JetCache's Spring Boot starter wires one from its properties,
 * without Spring: its own Lettuce {@link RedisClient} (its own command and pub/sub connections), a
 * {@link CacheBuilderTemplate} with a Caffeine local and a Lettuce remote builder for the default area, the
 * {@link NotifyMonitorInstaller} that makes {@code syncLocal} caches broadcast, and a {@link SimpleCacheManager}.
 * Cache {@code bench} is a two-level cache with {@code syncLocal(true)}. Settings are JetCache's defaults except
 * where {@code syncLocal} needs one (a broadcast channel) and the local limit, raised from 100 to 100,000 so
 * that the receiver holds every key; key convertor {@code fastjson2} and Java value encoding as in
 * {@link JetCacheTwoLevelBenchmark}.
 */
final class JetCacheInstance implements AutoCloseable {

	static final String CACHE = "bench";

	private static final String CHANNEL = "nearcache-bench";

	final Cache<Long, String> cache;

	private final RedisClient client;

	private final SimpleCacheManager manager;

	private JetCacheInstance(RedisClient client, SimpleCacheManager manager, Cache<Long, String> cache) {
		this.client = client;
		this.manager = manager;
		this.cache = cache;
	}

	/**
	 * Start an instance.
	 * @param uri the Redis server
	 * @param applied told when a message from another instance was applied, or {@code null}: JetCache's own
	 * broadcast manager
	 * @return the instance
	 */
	static JetCacheInstance start(String uri, TimedBroadcastManager.Applied applied) {
		RedisClient client = RedisClient.create(uri);
		RemoteBuilder remote = new RemoteBuilder(applied).redisClient(client)
			.pubSubConnection(client.connectPubSub(new JetCacheCodec()))
			.broadcastChannel(CHANNEL)
			.keyConvertor(Fastjson2KeyConvertor.INSTANCE)
			.valueEncoder(JavaValueEncoder.INSTANCE)
			.valueDecoder(JavaValueDecoder.INSTANCE);
		CacheBuilder local = CaffeineCacheBuilder.createCaffeineCacheBuilder().keyConvertor(Fastjson2KeyConvertor.INSTANCE);
		@SuppressWarnings("unchecked")
		CacheBuilderTemplate template = new CacheBuilderTemplate(false, Map.of(CacheConsts.DEFAULT_AREA, local),
				Map.<String, CacheBuilder>of(CacheConsts.DEFAULT_AREA, remote));
		template.getCacheMonitorInstallers().add(new NotifyMonitorInstaller((area) -> remote));
		SimpleCacheManager manager = new SimpleCacheManager();
		manager.setCacheBuilderTemplate(template);
		Cache<Long, String> cache = manager.getOrCreateCache(QuickConfig.newBuilder(CACHE)
			.cacheType(CacheType.BOTH)
			.syncLocal(true)
			.localLimit(100_000)
			.build());
		return new JetCacheInstance(client, manager, cache);
	}

	/**
	 * Return the local (Caffeine) tier of a two-level cache, where {@code syncLocal} removes keys.
	 * @param cache the two-level cache
	 * @return its first tier
	 */
	@SuppressWarnings("unchecked")
	static Cache<Long, String> localTier(Cache<?, ?> cache) {
		return ((MultiLevelCache<Long, String>) CacheUtil.getAbstractCache(cache)).caches()[0];
	}

	@Override
	public void close() {
		this.manager.close();
		this.client.shutdown();
	}

	/** The Lettuce remote builder, whose broadcast manager reports applied messages when there is a hook. */
	private static final class RemoteBuilder extends RedisLettuceCacheBuilder<RemoteBuilder> {

		private final TimedBroadcastManager.Applied applied;

		RemoteBuilder(TimedBroadcastManager.Applied applied) {
			this.applied = applied;
		}

		@Override
		@SuppressWarnings("unchecked")
		public BroadcastManager createBroadcastManager(CacheManager cacheManager) {
			if (this.applied == null) {
				return super.createBroadcastManager(cacheManager);
			}
			RedisLettuceCacheConfig<Object, Object> config = (RedisLettuceCacheConfig<Object, Object>) getConfig().clone();
			return new TimedBroadcastManager(cacheManager, config, this.applied);
		}

	}

}
