package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Subscribes to every bucket channel with {@code SSUBSCRIBE}, each on the primary that owns the channel's slot,
 * and applies what arrives on one dispatcher thread (as in classic mode, never on the client's I/O thread).
 * <p>
 * Lettuce's cluster pub/sub does not route {@code SSUBSCRIBE} by slot, its per-node connections do not follow a
 * failover, and on reconnect it re-sends all shard channels of a connection in one {@code SSUBSCRIBE}, which the
 * server rejects ({@code CROSSSLOT}) when they live in different slots. So each bucket channel has a connection
 * of its own, to the owner this class looks up ({@code SlotHash}, the client's partitions), and this class
 * follows topology changes itself: a watchdog moves a subscription whose slot changed owner, and recycles one
 * that went silent (refreshing the partitions first, since a dead owner stays in them until a refresh). A
 * {@code SUNSUBSCRIBE} pushed by the server (slot migrated, node failed) is a loss: the channel's caches are
 * cleared and it is re-subscribed on the new owner. Each channel's {@link ChannelMonitor} decides its flushes.
 */
public class ShardedInvalidationSubscriber implements SmartLifecycle, DisposableBean {

	private static final Log logger = LogFactory.getLog(ShardedInvalidationSubscriber.class);

	private final Supplier<@Nullable AbstractRedisClient> client;

	private final ShardedMonitors monitors;

	private final ShardedChannels channels;

	private final InvalidationApplier applier;

	private final InvalidationStatistics statistics;

	private final Duration commandTimeout;

	private final Duration maxRetryInterval;

	private final Duration checkInterval;

	private final ThreadPoolExecutor dispatcher;

	private final ScheduledExecutorService connector;

	private final Shard[] shards;

	private final AtomicBoolean flushNeeded = new AtomicBoolean();

	private volatile boolean running;

	private volatile boolean versionErrorLogged;

	/**
	 * Create a subscriber.
	 * @param client supplies the application's {@link RedisClusterClient} (once the connection factory started)
	 * @param monitors the bucket channels' monitors
	 * @param applier applies received messages
	 * @param statistics the counters to update
	 * @param commandTimeout the longest wait for a subscription to be confirmed
	 * @param maxRetryInterval the longest wait between attempts to subscribe a channel
	 * @param checkInterval how often to check for silent channels and moved slots
	 * @param receiveQueueCapacity how many received messages may wait to be applied
	 */
	public ShardedInvalidationSubscriber(Supplier<@Nullable AbstractRedisClient> client, ShardedMonitors monitors,
			InvalidationApplier applier, InvalidationStatistics statistics, Duration commandTimeout,
			Duration maxRetryInterval, Duration checkInterval, int receiveQueueCapacity) {
		this.client = client;
		this.monitors = monitors;
		this.channels = monitors.channels();
		this.applier = applier;
		this.statistics = statistics;
		this.commandTimeout = commandTimeout;
		this.maxRetryInterval = maxRetryInterval;
		this.checkInterval = checkInterval;
		this.statistics.state(TransportState.CONNECTING);
		this.dispatcher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
				new ArrayBlockingQueue<>(receiveQueueCapacity), DaemonThreads.applying());
		this.connector = Executors
			.newSingleThreadScheduledExecutor(DaemonThreads.named("nearcache-shard-subscriber"));
		this.shards = new Shard[this.channels.buckets()];
		for (int bucket = 0; bucket < this.shards.length; bucket++) {
			this.shards[bucket] = new Shard(bucket);
		}
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		for (int bucket = 0; bucket < this.shards.length; bucket++) {
			this.monitors.monitor(bucket).starting();
		}
		for (Shard shard : this.shards) {
			this.connector.execute(() -> shard.connect(false));
		}
		long period = this.checkInterval.toMillis();
		this.connector.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
		logger.info("nearcache: sharded pub/sub on " + this.shards.length + " channels '" + this.channels.channel(0)
				+ "' to '" + this.channels.channel(this.shards.length - 1) + "' as instance '"
				+ this.statistics.instanceId() + "'");
	}

	/** On the connector thread: recycle silent channels, move channels whose slot changed owner. */
	private void check() {
		if (!this.running) {
			return;
		}
		try {
			RedisClusterClient cluster = cluster();
			for (Shard shard : this.shards) {
				if (this.monitors.monitor(shard.bucket).checkSilence()) {
					shard.connect(true);
				}
				else if (cluster != null && shard.movedFrom(cluster)) {
					logger.info("nearcache: slot " + this.channels.slot(shard.bucket) + " of '"
							+ this.channels.channel(shard.bucket) + "' has a new owner; moving the subscription");
					shard.connect(false);
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("nearcache: checking the sharded channels failed", ex);
		}
	}

	@Override
	public void stop() {
		this.running = false;
		for (Shard shard : this.shards) {
			// Closed before the connection factory shuts the client down, so that it finds nothing to close twice.
			shard.close(true);
		}
		this.statistics.state(TransportState.STOPPED);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() throws Exception {
		stop();
		this.connector.shutdownNow();
		this.dispatcher.shutdown();
		this.dispatcher.awaitTermination(1, TimeUnit.SECONDS);
	}

	/**
	 * Return whether every bucket channel is subscribed and proven by a heartbeat round trip.
	 * @return whether messages from other instances arrive for every cache
	 */
	public boolean isSubscribed() {
		return this.running && this.monitors.allSubscribed();
	}

	/**
	 * Return the address of the node a bucket channel is subscribed on, for tests and diagnostics.
	 * @param bucket the bucket
	 * @return {@code host:port}, or {@code null} while not connected
	 */
	public @Nullable String subscribedNode(int bucket) {
		return this.shards[bucket].node;
	}

	private @Nullable RedisClusterClient cluster() {
		return (this.client.get() instanceof RedisClusterClient cluster) ? cluster : null;
	}

	private void dispatch(Runnable task) {
		try {
			this.dispatcher.execute(() -> {
				flushIfNeeded();
				task.run();
			});
		}
		catch (RejectedExecutionException ex) {
			if (!this.dispatcher.isShutdown()) {
				this.applier.drop(DropReason.BACKLOG, 0);
				this.flushNeeded.set(true);
			}
		}
	}

	private void flushIfNeeded() {
		if (this.flushNeeded.compareAndSet(true, false)) {
			logger.warn("nearcache: the receive queue overflowed and invalidations were dropped; cleared every cache");
			for (int bucket = 0; bucket < this.shards.length; bucket++) {
				this.monitors.monitor(bucket).backlogOverflowed();
			}
		}
	}

	/** One bucket channel's subscription: its own connection, to its slot's owner. Used on the connector thread. */
	private final class Shard extends RedisPubSubAdapter<byte[], byte[]> {

		private final int bucket;

		private final AtomicBoolean subscribedBefore = new AtomicBoolean();

		private volatile @Nullable StatefulRedisClusterPubSubConnection<byte[], byte[]> connection;

		private volatile @Nullable String node;

		private volatile boolean closing;

		private long backoffMillis = 100;

		private boolean retryScheduled;

		private boolean warned;

		Shard(int bucket) {
			this.bucket = bucket;
		}

		/** Whether the partitions now name another owner of the slot than the one subscribed to. */
		boolean movedFrom(RedisClusterClient cluster) {
			String current = this.node;
			if (current == null) {
				return false;
			}
			RedisClusterNode owner = cluster.getPartitions().getMasterBySlot(slot());
			return owner != null && !current.equals(address(owner));
		}

		/** (Re)subscribe on the slot's current owner; on failure, retry with back-off. */
		void connect(boolean refreshTopology) {
			if (!ShardedInvalidationSubscriber.this.running) {
				return;
			}
			close();
			RedisClusterClient cluster = cluster();
			try {
				if (cluster == null) {
					throw new IllegalStateException("the Redis cluster client is not started yet");
				}
				if (refreshTopology || this.subscribedBefore.get()) {
					cluster.refreshPartitions();
				}
				RedisClusterNode owner = cluster.getPartitions().getMasterBySlot(slot());
				if (owner == null) {
					throw new IllegalStateException("no node serves slot " + slot());
				}
				StatefulRedisClusterPubSubConnection<byte[], byte[]> connection = cluster
					.connectPubSub(ByteArrayCodec.INSTANCE);
				this.connection = connection;
				this.closing = false;
				StatefulRedisPubSubConnection<byte[], byte[]> nodeConnection = connection.getConnection(owner.getNodeId());
				nodeConnection.addListener(this);
				nodeConnection.async()
					.ssubscribe(ShardedInvalidationSubscriber.this.channels.channelBytes(this.bucket))
					.get(ShardedInvalidationSubscriber.this.commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
				this.node = address(owner);
				this.backoffMillis = 100;
				this.warned = false;
			}
			catch (Exception ex) {
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
				close();
				failed(ex);
				retryLater();
			}
		}

		private void failed(Exception ex) {
			Throwable root = ex;
			while (root.getCause() != null && root.getCause() != root) {
				root = root.getCause();
			}
			String message = String.valueOf(root.getMessage());
			if (root instanceof RedisCommandExecutionException && message.contains("unknown command")) {
				if (!ShardedInvalidationSubscriber.this.versionErrorLogged) {
					ShardedInvalidationSubscriber.this.versionErrorLogged = true;
					logger.error("nearcache: Redis rejected SSUBSCRIBE (" + message + "): sharded pub/sub needs "
							+ "Redis 7 or later. Set nearcache.redis.pubsub=classic for this Redis; until then "
							+ "caches stay in the degraded mode");
				}
				return;
			}
			if (!this.warned) {
				this.warned = true;
				logger.warn("nearcache: could not subscribe to '" + channel() + "' (" + root.getClass().getSimpleName()
						+ ": " + message + "); its caches run in the degraded mode until it is subscribed, retrying");
			}
		}

		private void retryLater() {
			if (this.retryScheduled || !ShardedInvalidationSubscriber.this.running) {
				return;
			}
			this.retryScheduled = true;
			long delay = this.backoffMillis;
			this.backoffMillis = Math.min(ShardedInvalidationSubscriber.this.maxRetryInterval.toMillis(),
					this.backoffMillis * 2);
			try {
				ShardedInvalidationSubscriber.this.connector.schedule(() -> {
					this.retryScheduled = false;
					if (this.connection == null) {
						connect(true);
					}
				}, delay, TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException ex) {
				this.retryScheduled = false;
			}
		}

		void close() {
			close(false);
		}

		void close(boolean wait) {
			StatefulRedisClusterPubSubConnection<byte[], byte[]> current = this.connection;
			this.connection = null;
			this.node = null;
			if (current != null) {
				this.closing = true;
				if (wait) {
					current.close();
				}
				else {
					current.closeAsync();
				}
			}
		}

		private int slot() {
			return ShardedInvalidationSubscriber.this.channels.slot(this.bucket);
		}

		private String channel() {
			return ShardedInvalidationSubscriber.this.channels.channel(this.bucket);
		}

		private ChannelMonitor monitor() {
			return ShardedInvalidationSubscriber.this.monitors.monitor(this.bucket);
		}

		@Override
		public void smessage(byte[] channel, byte[] message) {
			dispatch(() -> ShardedInvalidationSubscriber.this.applier.apply(message, monitor()));
		}

		@Override
		public void ssubscribed(byte[] channel, long count) {
			boolean first = this.subscribedBefore.compareAndSet(false, true);
			dispatch(() -> monitor().subscribed(first));
		}

		@Override
		public void sunsubscribed(byte[] channel, long count) {
			if (this.closing || !ShardedInvalidationSubscriber.this.running) {
				return;
			}
			dispatch(() -> {
				if (monitor().unsubscribedByServer()) {
					ShardedInvalidationSubscriber.this.connector.execute(() -> connect(true));
				}
			});
		}

		private static String address(RedisClusterNode node) {
			return node.getUri().getHost() + ":" + node.getUri().getPort();
		}

	}

}
