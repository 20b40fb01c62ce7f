package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
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
 * interval plus a random part of half an interval (so an idle channel carries about one heartbeat per interval
 * and a quarter, from whichever instance's timer fires first, which keeps every subscriber's silence check fed), or when this instance published on it since its last
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

	/**
	 * Per channel, how much longer than an interval this instance waits on an idle channel before it sends: every
	 * instance heard the last heartbeat at about the same moment, so without it they would all find the channel
	 * idle at once and all send.
	 */
	private final long[] idleJitterNanos;

	private final AtomicLongArray heartbeatRequested;

	private final PendingInvalidations deferred;

	private final long[] retryAtNanos;

	private final long[] backoffMillis;

	private long deferredDueNanos;

	private boolean anyDeferredDue;

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
		this.idleJitterNanos = new long[buckets];
		for (int bucket = 0; bucket < buckets; bucket++) {
			this.idleJitterNanos[bucket] = ThreadLocalRandom.current().nextLong(this.heartbeatIntervalNanos / 2 + 1);
		}
		this.heartbeatRequested = new AtomicLongArray(buckets);
		this.deferred = new PendingInvalidations(maxPendingKeys);
		this.retryAtNanos = new long[buckets];
		this.backoffMillis = new long[buckets];
		java.util.Arrays.fill(this.retryAtNanos, System.nanoTime());
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
		this.worker = DaemonThreads.start("nearcache-publisher", this::run);
	}

	@Override
	public void stop() {
		Thread thread = this.worker;
		if (thread == null) {
			return;
		}
		this.stopping = true;
		this.pending.wakeUp();
		boolean ended = DaemonThreads.joinWithin(thread, this.shutdownTimeout);
		if (!ended || !this.pending.isEmpty() || !this.deferred.isEmpty()) {
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
		long tickNanos = Math.max(10_000_000, Math.min(100_000_000, this.heartbeatIntervalNanos / 10));
		while (true) {
			PendingInvalidations.Batch batch;
			try {
				long wait = Math.min(tickNanos, this.deferred.isEmpty() ? Long.MAX_VALUE
						: Math.max(0, earliestRetry() - System.nanoTime()));
				batch = this.pending.awaitAndDrain(this.stopping ? 0 : Math.max(1, wait / 1_000_000));
			}
			catch (InterruptedException ex) {
				return;
			}
			if (!this.deferred.isEmpty() && System.nanoTime() - earliestRetry() >= 0) {
				this.anyDeferredDue = false;
				PendingInvalidations.Batch due = this.deferred.drain();
				if (due != null) {
					this.pending.addAll(due);
					if (batch != null) {
						this.pending.addAll(batch);
					}
					batch = this.pending.drain();
				}
			}
			if (batch == null) {
				if (this.stopping && this.deferred.isEmpty()) {
					return;
				}
				if (this.stopping) {
					// Shutting down with deferred messages: one last attempt, whatever the back-off says.
					java.util.Arrays.fill(this.retryAtNanos, System.nanoTime());
					batch = this.deferred.drain();
					if (batch == null) {
						return;
					}
					send(batch);
					return;
				}
				heartbeatsIfDue();
				continue;
			}
			send(batch);
			heartbeatsIfDue();
		}
	}

	/** When the earliest deferred message may be retried; meaningful only while something is deferred. */
	private long earliestRetry() {
		return this.deferredDueNanos;
	}

	private void deferredFor(int bucket) {
		long due = this.retryAtNanos[bucket];
		if (!this.anyDeferredDue || due - this.deferredDueNanos < 0) {
			this.deferredDueNanos = due;
			this.anyDeferredDue = true;
		}
	}

	private boolean backingOff(int bucket, long now) {
		return now - this.retryAtNanos[bucket] < 0;
	}

	/** A publish to a bucket's shard failed: retry that bucket's messages only after a growing back-off. */
	private void failed(int bucket, long now) {
		this.backoffMillis[bucket] = Math.min(MAX_BACKOFF_MILLIS, Math.max(50, this.backoffMillis[bucket] * 2));
		this.retryAtNanos[bucket] = now + this.backoffMillis[bucket] * 1_000_000;
	}

	private void heartbeatsIfDue() {
		long now = System.nanoTime();
		List<byte[][]> heartbeats = new ArrayList<>();
		List<Integer> buckets = new ArrayList<>();
		for (int bucket = 0; bucket < this.channels.buckets(); bucket++) {
			if (!backingOff(bucket, now) && heartbeatDue(bucket, now)) {
				long latest = this.seq.get(bucket);
				InvalidationMessage heartbeat = new InvalidationMessage(InvalidationMessage.Type.HEARTBEAT,
						this.instanceId, latest, System.currentTimeMillis(), null, List.of(),
						InvalidationMessage.SHARDED_MODE);
				heartbeats.add(new byte[][] { this.channels.channelBytes(bucket), this.codec.encode(heartbeat) });
				buckets.add(bucket);
				this.heartbeatRequested.set(bucket, 0);
				this.lastHeartbeatNanos[bucket] = now;
				this.idleJitterNanos[bucket] = ThreadLocalRandom.current().nextLong(this.heartbeatIntervalNanos / 2 + 1);
				this.announcedSeq.set(bucket, latest);
			}
		}
		if (heartbeats.isEmpty()) {
			return;
		}
		boolean[] acknowledged = publish(heartbeats);
		for (int i = 0; i < acknowledged.length; i++) {
			if (acknowledged[i]) {
				this.statistics.recordHeartbeatPublished();
				this.backoffMillis[buckets.get(i)] = 0;
			}
			else {
				this.statistics.recordPublishFailure();
				failed(buckets.get(i), now);
			}
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
				|| now - monitor.lastHeardNanos() >= this.heartbeatIntervalNanos + this.idleJitterNanos[bucket]
				|| this.announcedSeq.get(bucket) != this.seq.get(bucket);
	}

	/** Publish, telling per message whether it was acknowledged; a failure to even get a connection fails all. */
	private boolean[] publish(List<byte[][]> messages) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			boolean[] acknowledged = LettucePublishing.publishEach(connection, messages, true, this.publishTimeout);
			if (acknowledged == null) {
				throw new IllegalStateException("Sharded pub/sub needs a Lettuce connection");
			}
			return acknowledged;
		}
		catch (RuntimeException ex) {
			if (ex instanceof IllegalStateException && String.valueOf(ex.getMessage()).startsWith("Sharded")) {
				throw ex;
			}
			return new boolean[messages.size()];
		}
	}

	/**
	 * Send what was drained, each cache's messages on its bucket channel. Messages of buckets whose shard is
	 * backing off, and messages that were not acknowledged, are deferred: the other shards' messages go out
	 * regardless, so one unreachable shard delays only its own channels.
	 */
	private void send(PendingInvalidations.Batch batch) {
		long now = System.nanoTime();
		long timestamp = System.currentTimeMillis();
		List<byte[][]> payloads = new ArrayList<>();
		List<Runnable> onFailure = new ArrayList<>();
		List<Integer> buckets = new ArrayList<>();
		if (batch.clearAll()) {
			boolean deferredClearAll = false;
			for (int bucket = 0; bucket < this.channels.buckets(); bucket++) {
				if (backingOff(bucket, now)) {
					deferredClearAll = true;
					deferredFor(bucket);
					continue;
				}
				payloads.add(encode(bucket, InvalidationMessage.Type.CLEAR, null, List.of(), timestamp));
				onFailure.add(() -> this.deferred.addClear(null));
				buckets.add(bucket);
			}
			if (deferredClearAll) {
				// Re-sent to every channel later: a clear too many on the healthy ones is harmless.
				this.deferred.addClear(null);
			}
		}
		else {
			for (String cache : batch.clears()) {
				int bucket = this.channels.bucketOf(cache);
				if (backingOff(bucket, now)) {
					this.deferred.addClear(cache);
					deferredFor(bucket);
					continue;
				}
				payloads.add(encode(bucket, InvalidationMessage.Type.CLEAR, cache, List.of(), timestamp));
				onFailure.add(() -> this.deferred.addClear(cache));
				buckets.add(bucket);
			}
			for (Map.Entry<String, Set<String>> entry : batch.keys().entrySet()) {
				String cache = entry.getKey();
				int bucket = this.channels.bucketOf(cache);
				if (backingOff(bucket, now)) {
					this.deferred.addKeys(cache, entry.getValue());
					deferredFor(bucket);
					continue;
				}
				for (List<String> keys : MessageSplitter.split(this.codec, this.instanceId, cache,
						List.copyOf(entry.getValue()))) {
					payloads.add(keys.isEmpty()
							? encode(bucket, InvalidationMessage.Type.CLEAR, cache, List.of(), timestamp)
							: encode(bucket, InvalidationMessage.Type.INVALIDATE, cache, keys, timestamp));
					onFailure.add(keys.isEmpty() ? () -> this.deferred.addClear(cache)
							: () -> this.deferred.addKeys(cache, keys));
					buckets.add(bucket);
				}
			}
		}
		if (payloads.isEmpty()) {
			return;
		}
		boolean[] acknowledged = publish(payloads);
		int published = 0;
		boolean anyFailed = false;
		for (int i = 0; i < acknowledged.length; i++) {
			if (acknowledged[i]) {
				published++;
				this.backoffMillis[buckets.get(i)] = 0;
			}
			else {
				anyFailed = true;
				onFailure.get(i).run();
				failed(buckets.get(i), now);
				deferredFor(buckets.get(i));
			}
		}
		this.statistics.recordPublished(published);
		if (anyFailed) {
			this.statistics.recordPublishFailure();
			if (!this.failing) {
				this.failing = true;
				logger.warn("nearcache: could not publish invalidations on some sharded channels; they are kept and "
						+ "retried until their shard answers (the other channels are not held up)");
			}
		}
		else if (this.failing && this.deferred.isEmpty()) {
			this.failing = false;
			logger.info("nearcache: publishing invalidations on every sharded channel again");
		}
	}

	private byte[][] encode(int bucket, InvalidationMessage.Type type, @Nullable String cache, List<String> keys,
			long timestamp) {
		InvalidationMessage message = new InvalidationMessage(type, this.instanceId, this.seq.incrementAndGet(bucket),
				timestamp, cache, keys);
		return new byte[][] { this.channels.channelBytes(bucket), this.codec.encode(message) };
	}

}
