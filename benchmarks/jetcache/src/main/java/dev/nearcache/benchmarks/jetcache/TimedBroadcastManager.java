package dev.nearcache.benchmarks.jetcache;

import java.util.function.Function;

import com.alicp.jetcache.CacheManager;
import com.alicp.jetcache.redis.lettuce.LettuceBroadcastManager;
import com.alicp.jetcache.redis.lettuce.RedisLettuceCacheConfig;
import com.alicp.jetcache.support.CacheMessage;

/**
 * JetCache's Lettuce broadcast manager, unchanged except that it tells a hook when it has applied a message from
 * another instance. {@code processNotification} is where JetCache decodes a message received on the broadcast
 * channel and removes its keys from the local tier of the named cache ({@code __removeAll}); the hook's time is
 * taken right after it returns, so the entries are gone by then. The message is the one JetCache decoded (the
 * decoder is wrapped, not called twice).
 */
final class TimedBroadcastManager extends LettuceBroadcastManager {

	private final Applied applied;

	TimedBroadcastManager(CacheManager cacheManager, RedisLettuceCacheConfig<Object, Object> config, Applied applied) {
		super(cacheManager, config);
		this.applied = applied;
	}

	@Override
	protected void processNotification(byte[] message, Function<byte[], Object> decoder) {
		Object[] decoded = new Object[1];
		super.processNotification(message, (bytes) -> decoded[0] = decoder.apply(bytes));
		long now = System.nanoTime();
		if (decoded[0] instanceof CacheMessage cacheMessage && !getSourceId().equals(cacheMessage.getSourceId())) {
			this.applied.applied(this, cacheMessage, now);
		}
	}

	/** Told about every message from another instance once JetCache has applied it to the local tier. */
	@FunctionalInterface
	interface Applied {

		/**
		 * Called on the thread that applied the message.
		 * @param manager the broadcast manager (its cache manager holds the cache the message names)
		 * @param message the message, keys as converted by the sender's key convertor
		 * @param nanos {@link System#nanoTime()} right after the local removal
		 */
		void applied(TimedBroadcastManager manager, CacheMessage message, long nanos);

	}

}
