package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.BitSet;
import java.util.function.IntConsumer;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;

/**
 * One {@link ChannelMonitor} per bucket channel of sharded mode, each flushing and degrading only the caches of
 * its bucket, so that a dead shard or a migrated slot costs only the caches whose channels it carried. A cache
 * created while its bucket is degraded starts degraded. The instance's state is the worst of its channels':
 * connecting if any channel has never been proven, degraded if any channel went silent, subscribed when all are
 * proven.
 */
public final class ShardedMonitors {

	private final NearCacheManager cacheManager;

	private final InvalidationStatistics statistics;

	private final ShardedChannels channels;

	private final ChannelMonitor[] monitors;

	private final TransportState[] states;

	private final BitSet degraded = new BitSet();

	private DegradedMode degradedMode = DegradedMode.SHORT_TTL;

	private Duration degradedTtl = Duration.ZERO;

	/**
	 * Create a monitor per bucket channel.
	 * @param cacheManager the caches to flush and degrade
	 * @param statistics the instance's counters and state
	 * @param channels the channel layout
	 * @param degradedMode what degraded means for the caches
	 * @param degradedTtl the TTL cap of {@link DegradedMode#SHORT_TTL}
	 * @param window how long a channel may be silent before its subscription is considered dead
	 * @param heartbeatNow asks the publisher for a heartbeat on a bucket's channel at once
	 * @param gapFlushCoalesceWindow how long after a channel's gap flush further ones are merged into one
	 */
	public ShardedMonitors(NearCacheManager cacheManager, InvalidationStatistics statistics, ShardedChannels channels,
			DegradedMode degradedMode, Duration degradedTtl, Duration window, IntConsumer heartbeatNow,
			Duration gapFlushCoalesceWindow) {
		this.cacheManager = cacheManager;
		this.statistics = statistics;
		this.channels = channels;
		this.monitors = new ChannelMonitor[channels.buckets()];
		this.states = new TransportState[channels.buckets()];
		for (int bucket = 0; bucket < channels.buckets(); bucket++) {
			int b = bucket;
			this.states[bucket] = TransportState.CONNECTING;
			this.monitors[bucket] = new ChannelMonitor(new Bucket(bucket), statistics, channels.channel(bucket),
					InvalidationMessage.SHARDED_MODE, degradedMode, degradedTtl, window, () -> heartbeatNow.accept(b),
					gapFlushCoalesceWindow);
		}
		cacheManager.forEachCache(this::created);
	}

	/**
	 * Return a bucket channel's monitor.
	 * @param bucket the bucket
	 * @return its monitor
	 */
	public ChannelMonitor monitor(int bucket) {
		return this.monitors[bucket];
	}

	/**
	 * Stop the threads that run the channels' deferred gap flushes.
	 */
	public void close() {
		for (ChannelMonitor monitor : this.monitors) {
			monitor.close();
		}
	}

	/**
	 * Return the channel layout.
	 * @return the layout
	 */
	public ShardedChannels channels() {
		return this.channels;
	}

	/**
	 * Return whether every bucket channel is subscribed and proven.
	 * @return whether invalidations of every cache arrive
	 */
	public boolean allSubscribed() {
		for (ChannelMonitor monitor : this.monitors) {
			if (monitor.state() != TransportState.SUBSCRIBED) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Degrade a bucket's caches. The shared lock only guards the bucket's flag, never the caches' own degrade,
	 * which clears them: holding it meanwhile would block every other channel's decisions and any thread creating
	 * a cache. A cache created meanwhile sees the flag and degrades itself; one
	 * bucket's degrade and restore are never concurrent (its {@link ChannelMonitor} serializes them).
	 */
	private void degrade(int bucket, DegradedMode mode, Duration ttl) {
		synchronized (this) {
			this.degradedMode = mode;
			this.degradedTtl = ttl;
			this.degraded.set(bucket);
		}
		for (NearCache cache : this.cacheManager.caches()) {
			if (this.channels.bucketOf(cache.getName()) == bucket) {
				cache.degrade(mode, ttl);
			}
		}
	}

	private void restore(int bucket) {
		synchronized (this) {
			this.degraded.clear(bucket);
		}
		for (NearCache cache : this.cacheManager.caches()) {
			if (this.channels.bucketOf(cache.getName()) == bucket) {
				cache.restore();
			}
		}
	}

	private void created(NearCache cache) {
		DegradedMode mode;
		Duration ttl;
		synchronized (this) {
			if (!this.degraded.get(this.channels.bucketOf(cache.getName()))) {
				return;
			}
			mode = this.degradedMode;
			ttl = this.degradedTtl;
		}
		cache.degrade(mode, ttl);
		boolean stillDegraded;
		synchronized (this) {
			stillDegraded = this.degraded.get(this.channels.bucketOf(cache.getName()));
		}
		if (!stillDegraded) {
			// Restored while this cache degraded itself, perhaps before the restore saw the cache.
			cache.restore();
		}
	}

	/**
	 * Return whether a bucket's caches run in the degraded mode.
	 * @param bucket the bucket
	 * @return whether its channel is unproven
	 */
	public synchronized boolean degraded(int bucket) {
		return this.degraded.get(bucket);
	}

	private synchronized void state(int bucket, TransportState state) {
		this.states[bucket] = state;
		TransportState worst = TransportState.SUBSCRIBED;
		for (TransportState each : this.states) {
			if (each == TransportState.CONNECTING || each == TransportState.STOPPED) {
				worst = each;
				break;
			}
			if (each == TransportState.DEGRADED) {
				worst = each;
			}
		}
		this.statistics.state(worst);
	}

	private void flush(int bucket) {
		for (NearCache cache : this.cacheManager.caches()) {
			if (cache.getSettings().broadcast() && this.channels.bucketOf(cache.getName()) == bucket) {
				cache.clearLocally();
			}
		}
	}

	/** The caches of one bucket. */
	private final class Bucket implements ChannelScope {

		private final int bucket;

		Bucket(int bucket) {
			this.bucket = bucket;
		}

		@Override
		public void degrade(DegradedMode mode, Duration ttl) {
			ShardedMonitors.this.degrade(this.bucket, mode, ttl);
		}

		@Override
		public void restore() {
			ShardedMonitors.this.restore(this.bucket);
		}

		@Override
		public void flush() {
			ShardedMonitors.this.flush(this.bucket);
		}

		@Override
		public void state(TransportState state) {
			ShardedMonitors.this.state(this.bucket, state);
		}

	}

}
