package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.nearcache.cache.InvalidationPublisher;

/**
 * Publishes local invalidations with {@code SPUBLISH}, each on its cache's bucket channel, from one background
 * thread (callers never wait on Redis). A clear of every cache goes to every bucket channel.
 * <p>
 * Sequence numbers count per bucket channel, since messages on different shards are not ordered with each
 * other. Heartbeats are per channel too, but only where needed, because a heartbeat on every channel from every
 * instance would cost instances² × channels deliveries per interval: a channel gets this instance's heartbeat
 * when its subscription is unproven (the own heartbeat is the proof), when nothing at all was heard on it for an
 * interval (so an idle channel carries about one heartbeat per interval, from whichever instance's timer fires
 * first, which keeps every subscriber's silence check fed), or when this instance published on it since its last
 * heartbeat there (so a lost final message is noticed).
 * <p>
 * Failures, retries, the pending-key bound and shutdown behave as in classic mode
 * ({@link RedisInvalidationPublisher}).
 */
public class ShardedInvalidationPublisher implements InvalidationPublisher, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ShardedInvalidationPublisher.class);

	private static final long MAX_BACKOFF_MILLIS = 5_000;

	private final RedisConnectionFactory connectionFactory;

	private final Supplier<ShardedMonitors> monitorsSupplier;

	private @Nullable ShardedMonitors monitors;

	private final ShardedChannels channels;

	private final String instanceId;

	private final InvalidationCodec codec;

	private final InvalidationStatistics statistics;

	private final Duration publishTimeout;

	private final Duration shutdownTimeout;

	private final PendingInvalidations pending;

	private final long heartbeatIntervalNanos;

	private final AtomicLongArray seq;

	private final AtomicLongArray announcedSeq;

	private final long[] lastHeartbeatNanos;

	private final AtomicLongArray heartbeatRequested;

	private volatile @Nullable Thread worker;

	private volatile boolean stopping;

	private volatile boolean failing;

	/**
	 * Create a publisher.
	 * @param connectionFactory the application's cluster connection factory (Lettuce)
	 * @param channels the channel layout
	 * @param monitors the bucket channels' monitors, which tell when a channel was last heard and whether proven;
	 * looked up when publishing starts (they flush the caches, which publish through this)
	 * @param instanceId this instance's id, sent as {@code origin}
	 * @param codec the wire format
	 * @param statistics the counters to update
	 * @param publishTimeout the longest wait for one publish
	 * @param shutdownTimeout the longest wait for pending invalidations on shutdown
	 * @param maxPendingKeys the most keys kept pending per cache before the cache is cleared instead
	 * @param heartbeatInterval how often a channel needs a heartbeat when idle
	 */
	public ShardedInvalidationPublisher(RedisConnectionFactory connectionFactory, ShardedChannels channels,
			Supplier<ShardedMonitors> monitors, String instanceId, InvalidationCodec codec, InvalidationStatistics statistics, Duration publishTimeout,
			Duration shutdownTimeout, int maxPendingKeys, Duration heartbeatInterval) {
		this.connectionFactory = connectionFactory;
		this.monitorsSupplier = monitors;
		this.channels = channels;
		this.instanceId = instanceId;
		this.codec = codec;
		this.statistics = statistics;
		this.publishTimeout = publishTimeout;
		this.shutdownTimeout = shutdownTimeout;
		this.pending = new PendingInvalidations(maxPendingKeys);
		this.heartbeatIntervalNanos = heartbeatInterval.toNanos();
		int buckets = this.channels.buckets();
		this.seq = new AtomicLongArray(buckets);
		this.announcedSeq = new AtomicLongArray(buckets);
		this.lastHeartbeatNanos = new long[buckets];
		this.heartbeatRequested = new AtomicLongArray(buckets);
		long past = System.nanoTime() - this.heartbeatIntervalNanos;
		java.util.Arrays.fill(this.lastHeartbeatNanos, past);
	}

	@Override
	public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
		this.pending.addKeys(cacheName, canonicalKeys);
	}

	@Override
	public void publishClear(@Nullable String cacheName) {
		this.pending.addClear(cacheName);
	}

	/**
	 * Publish a heartbeat on a bucket's channel as soon as possible, e.g. to prove a new subscription.
	 * @param bucket the bucket
	 */
	public void heartbeatNow(int bucket) {
		this.heartbeatRequested.set(bucket, 1);
		this.pending.wakeUp();
	}

	@Override
	public void start() {
		if (this.worker != null) {
			return;
		}
		this.stopping = false;
		this.monitors = this.monitorsSupplier.get();
		Thread thread = new Thread(this::run, "nearcache-publisher");
		thread.setDaemon(true);
		this.worker = thread;
		thread.start();
	}

	@Override
	public void stop() {
		Thread thread = this.worker;
		if (thread == null) {
			return;
		}
		this.stopping = true;
		this.pending.wakeUp();
		try {
			thread.join(this.shutdownTimeout.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (thread.isAlive()) {
			thread.interrupt();
		}
		if (thread.isAlive() || !this.pending.isEmpty()) {
			logger.warn("nearcache: invalidations pending at shutdown were not published (Redis did not answer; "
					+ "waited at most " + this.shutdownTimeout.toMillis() + " ms); other instances rely on their "
					+ "reconnect flush or their TTL for them");
		}
		this.worker = null;
	}

	@Override
	public boolean isRunning() {
		return this.worker != null;
	}

	private void run() {
		long backoff = 0;
		long tickMillis = Math.max(10, Math.min(250, this.heartbeatIntervalNanos / 4_000_000));
		while (true) {
			PendingInvalidations.Batch batch;
			try {
				if (backoff > 0) {
					Thread.sleep(backoff);
				}
				batch = this.pending.awaitAndDrain(this.stopping ? 0 : tickMillis);
			}
			catch (InterruptedException ex) {
				return;
			}
			if (batch == null) {
				if (this.stopping) {
					return;
				}
				heartbeatsIfDue();
				continue;
			}
			try {
				send(batch);
				backoff = 0;
				if (this.failing) {
					this.failing = false;
					logger.info("nearcache: publishing invalidations on the sharded channels again");
				}
				heartbeatsIfDue();
			}
			catch (RuntimeException ex) {
				this.statistics.recordPublishFailure();
				this.pending.addAll(batch);
				if (!this.failing) {
					this.failing = true;
					logger.warn("nearcache: could not publish invalidations (" + ex
							+ "); they are kept and retried until Redis answers");
				}
				if (this.stopping) {
					return;
				}
				backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(50, backoff * 2));
			}
		}
	}

	private void heartbeatsIfDue() {
		long now = System.nanoTime();
		List<byte[][]> heartbeats = new ArrayList<>();
		List<Integer> buckets = new ArrayList<>();
		for (int bucket = 0; bucket < this.channels.buckets(); bucket++) {
			if (heartbeatDue(bucket, now)) {
				long latest = this.seq.get(bucket);
				InvalidationMessage heartbeat = new InvalidationMessage(InvalidationMessage.Type.HEARTBEAT,
						this.instanceId, latest, System.currentTimeMillis(), null, List.of(),
						InvalidationMessage.SHARDED_MODE);
				heartbeats.add(new byte[][] { this.channels.channelBytes(bucket), this.codec.encode(heartbeat) });
				buckets.add(bucket);
				this.heartbeatRequested.set(bucket, 0);
				this.lastHeartbeatNanos[bucket] = now;
				this.announcedSeq.set(bucket, latest);
			}
		}
		if (heartbeats.isEmpty()) {
			return;
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			publish(connection, heartbeats);
			for (int i = 0; i < heartbeats.size(); i++) {
				this.statistics.recordHeartbeatPublished();
			}
		}
		catch (RuntimeException ex) {
			this.statistics.recordPublishFailure();
			// Retry at the next tick rather than an interval later.
			buckets.forEach((bucket) -> this.lastHeartbeatNanos[bucket] = now - this.heartbeatIntervalNanos);
		}
	}

	private boolean heartbeatDue(int bucket, long now) {
		if (this.heartbeatRequested.get(bucket) != 0) {
			return true;
		}
		if (now - this.lastHeartbeatNanos[bucket] < this.heartbeatIntervalNanos) {
			return false;
		}
		ShardedMonitors monitors = this.monitors;
		if (monitors == null) {
			return true;
		}
		ChannelMonitor monitor = monitors.monitor(bucket);
		return monitor.state() != TransportState.SUBSCRIBED
				|| now - monitor.lastHeardNanos() >= this.heartbeatIntervalNanos
				|| this.announcedSeq.get(bucket) != this.seq.get(bucket);
	}

	private void publish(RedisConnection connection, List<byte[][]> messages) {
		if (!LettucePublishing.publish(connection, messages, true, this.publishTimeout)) {
			throw new IllegalStateException("Sharded pub/sub needs a Lettuce connection");
		}
	}

	private void send(PendingInvalidations.Batch batch) {
		List<byte[][]> payloads = new ArrayList<>();
		long timestamp = System.currentTimeMillis();
		if (batch.clearAll()) {
			for (int bucket = 0; bucket < this.channels.buckets(); bucket++) {
				payloads.add(encode(bucket, InvalidationMessage.Type.CLEAR, null, List.of(), timestamp));
			}
		}
		else {
			for (String cache : batch.clears()) {
				payloads.add(encode(this.channels.bucketOf(cache), InvalidationMessage.Type.CLEAR, cache, List.of(),
						timestamp));
			}
			for (Map.Entry<String, Set<String>> entry : batch.keys().entrySet()) {
				String cache = entry.getKey();
				int bucket = this.channels.bucketOf(cache);
				for (List<String> keys : MessageSplitter.split(this.codec, this.instanceId, cache,
						List.copyOf(entry.getValue()))) {
					payloads.add(keys.isEmpty()
							? encode(bucket, InvalidationMessage.Type.CLEAR, cache, List.of(), timestamp)
							: encode(bucket, InvalidationMessage.Type.INVALIDATE, cache, keys, timestamp));
				}
			}
		}
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			publish(connection, payloads);
		}
		this.statistics.recordPublished(payloads.size());
	}

	private byte[][] encode(int bucket, InvalidationMessage.Type type, @Nullable String cache, List<String> keys,
			long timestamp) {
		InvalidationMessage message = new InvalidationMessage(type, this.instanceId, this.seq.incrementAndGet(bucket),
				timestamp, cache, keys);
		return new byte[][] { this.channels.channelBytes(bucket), this.codec.encode(message) };
	}

}
