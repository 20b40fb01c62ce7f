package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Subscribes to the invalidation channels and applies what arrives, in classic mode (one channel, Spring Data
 * Redis' listener container) and sharded mode (a channel per bucket, Lettuce's cluster API) alike: the logic is
 * written once against a {@link ChannelLayout}, and a {@link SubscribeBinding} talks to Redis.
 * <p>
 * It never delays or aborts application startup: channels are subscribed from a background thread that retries
 * with a jittered back-off until Redis answers, while the caches work in the degraded mode.
 * <p>
 * Liveness is proven by what Redis delivers: a message is recorded as heard by its channel's
 * {@link ChannelMonitor} on the thread that receives it, before it is handed over, so a slow apply never looks
 * like a dead channel. Messages and subscription events are applied in arrival order on one dedicated thread, never
 * on the client's I/O thread, which is shared by every connection and must never block: everything that applies a
 * message can meet a lock (see the {@link ReceiveQueue} hand-off and docs/design.md). The receive queue is bounded;
 * if it overflows, the dropped messages are counted and every cache is cleared before the next message is
 * applied.
 * <p>
 * Each channel's {@link ChannelMonitor} decides what a (re)subscription, a silence, a gap or a server-pushed
 * unsubscribe means; this class carries out its one request, recycling the subscription (drop, then subscribe
 * again), since a receive-only connection never notices a half-open socket by itself. A watchdog also moves a
 * channel whose cluster slot changed owner.
 * <p>
 * It stops in phase {@link #PHASE}, after the web server has drained, and from then on the caches run degraded:
 * no invalidation arrives any more.
 */
public class RedisInvalidationSubscriber implements SmartLifecycle, DisposableBean {

	/**
	 * The lifecycle phase of the subscriber, 1024 below Spring's executors and schedulers
	 * ({@link ExecutorConfigurationSupport#DEFAULT_PHASE}, {@code Integer.MAX_VALUE / 2}, which wait for their
	 * running tasks when they stop) and so far below the web server's graceful shutdown
	 * ({@code DEFAULT_PHASE - 1024}) and stop ({@code DEFAULT_PHASE - 2048}) and the message listener containers
	 * ({@code DEFAULT_PHASE}): it stops after all of them, and keeps applying invalidations while they drain.
	 * Above the connection factory's (0), which stops after it.
	 */
	public static final int PHASE = ExecutorConfigurationSupport.DEFAULT_PHASE - 1024;

	private static final Log logger = LogFactory.getLog(RedisInvalidationSubscriber.class);

	private static final long FIRST_RETRY_MILLIS = 100;

	private final SubscribeBinding binding;

	private final ChannelLayout layout;

	private final IntFunction<ChannelMonitor> monitors;

	private final InvalidationApplier applier;

	private final InvalidationStatistics statistics;

	private final Duration maxRetryInterval;

	private final Duration checkInterval;

	private final ReceiveQueue received;

	private final ScheduledExecutorService connector;

	private final ScheduledExecutorService watchdog;

	private final Channel[] channels;

	private final AtomicBoolean flushNeeded = new AtomicBoolean();

	private volatile boolean running;

	private volatile boolean versionErrorLogged;

	/**
	 * Create a classic-mode subscriber: one channel, nearcache's own Spring Data Redis listener container.
	 * @param connectionFactory the connection factory (the application's by default)
	 * @param channel the channel name
	 * @param applier applies received messages
	 * @param monitor decides what subscriptions, silences and gaps mean
	 * @param statistics the counters to update
	 * @param maxRetryInterval the longest wait between attempts to (re)subscribe
	 * @param checkInterval how often to check for a silent subscription
	 * @param receiveQueueCapacity how many received messages may wait to be applied
	 */
	public RedisInvalidationSubscriber(RedisConnectionFactory connectionFactory, String channel,
			InvalidationApplier applier, ChannelMonitor monitor, InvalidationStatistics statistics,
			Duration maxRetryInterval, Duration checkInterval, int receiveQueueCapacity) {
		this(new ClassicSubscribeBinding(connectionFactory, channel), ChannelLayout.single(channel),
				(bucket) -> monitor, applier, statistics, maxRetryInterval, checkInterval, receiveQueueCapacity);
	}

	/**
	 * Create a sharded-mode subscriber: {@code SSUBSCRIBE} on every bucket channel, each on its slot's owner.
	 * @param client supplies the application's cluster client (once the connection factory started)
	 * @param monitors the bucket channels' monitors
	 * @param applier applies received messages
	 * @param statistics the counters to update
	 * @param commandTimeout the longest wait for a subscription to be confirmed
	 * @param maxRetryInterval the longest wait between attempts to subscribe a channel
	 * @param checkInterval how often to check for silent channels and moved slots
	 * @param receiveQueueCapacity how many received messages may wait to be applied
	 * @return the subscriber
	 */
	public static RedisInvalidationSubscriber sharded(Supplier<@Nullable AbstractRedisClient> client,
			ShardedMonitors monitors, InvalidationApplier applier, InvalidationStatistics statistics,
			Duration commandTimeout, Duration maxRetryInterval, Duration checkInterval, int receiveQueueCapacity) {
		return new RedisInvalidationSubscriber(new ShardedSubscribeBinding(client, monitors.channels(), commandTimeout),
				monitors.channels(), monitors::monitor, applier, statistics, maxRetryInterval, checkInterval,
				receiveQueueCapacity);
	}

	RedisInvalidationSubscriber(SubscribeBinding binding, ChannelLayout layout, IntFunction<ChannelMonitor> monitors,
			InvalidationApplier applier, InvalidationStatistics statistics, Duration maxRetryInterval,
			Duration checkInterval, int receiveQueueCapacity) {
		this.binding = binding;
		this.layout = layout;
		this.monitors = monitors;
		this.applier = applier;
		this.statistics = statistics;
		this.maxRetryInterval = maxRetryInterval;
		this.checkInterval = checkInterval;
		this.statistics.state(TransportState.CONNECTING);
		this.received = new ReceiveQueue(receiveQueueCapacity, DaemonThreads.applying(), this::handle);
		this.connector = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("nearcache-subscriber"));
		this.watchdog = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("nearcache-watchdog"));
		this.channels = new Channel[layout.buckets()];
		for (int bucket = 0; bucket < this.channels.length; bucket++) {
			this.channels[bucket] = new Channel(bucket);
		}
		binding.deliverTo(new Receiver());
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		for (Channel channel : this.channels) {
			channel.monitor().starting();
		}
		for (Channel channel : this.channels) {
			channel.connectSoon(0, false);
		}
		long period = this.checkInterval.toMillis();
		this.watchdog.scheduleWithFixedDelay(this::check, period, period, TimeUnit.MILLISECONDS);
		if (this.channels.length > 1) {
			logger.info("nearcache: sharded pub/sub on " + this.channels.length + " channels '"
					+ this.layout.channel(0) + "' to '" + this.layout.channel(this.channels.length - 1)
					+ "' as instance '" + this.statistics.instanceId() + "'");
		}
	}

	/** On the watchdog thread: recycle silent channels, move channels whose slot changed owner. */
	private void check() {
		if (!this.running) {
			return;
		}
		for (Channel channel : this.channels) {
			try {
				if (channel.monitor().checkSilence()) {
					channel.connectSoon(0, true);
				}
				else if (this.binding.moved(channel.bucket)) {
					logger.info("nearcache: '" + this.layout.channel(channel.bucket)
							+ "' is served by another node now; moving the subscription");
					channel.connectSoon(0, false);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("nearcache: checking the channel '" + this.layout.channel(channel.bucket) + "' failed", ex);
			}
		}
	}

	@Override
	public void stop() {
		if (!this.running) {
			return;
		}
		this.running = false;
		for (Channel channel : this.channels) {
			this.binding.unsubscribe(channel.bucket, true);
		}
		for (Channel channel : this.channels) {
			channel.monitor().stopped();
		}
		this.statistics.state(TransportState.STOPPED);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public void destroy() throws Exception {
		stop();
		this.watchdog.shutdownNow();
		this.connector.shutdownNow();
		this.binding.close();
		this.received.close(1000);
	}

	/**
	 * Return whether every channel is subscribed and proven by a heartbeat round trip.
	 * @return whether messages from other instances arrive for every cache
	 */
	public boolean isSubscribed() {
		if (!this.running) {
			return false;
		}
		for (Channel channel : this.channels) {
			if (channel.monitor().state() != TransportState.SUBSCRIBED) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Return the address of the node a channel is subscribed on, for tests and diagnostics.
	 * @param bucket the channel's number
	 * @return {@code host:port}, or {@code null} while not connected or unknown (classic mode)
	 */
	public @Nullable String subscribedNode(int bucket) {
		return this.binding.node(bucket);
	}

	/**
	 * Hand a message body or an event to the applying thread without ever blocking the caller (the client's I/O
	 * thread); count it as dropped if the receive queue is full.
	 */
	private void dispatch(int bucket, Object item) {
		if (!this.received.offer(bucket, item) && !this.received.isClosed()) {
			this.applier.drop(DropReason.BACKLOG, (item instanceof byte[] body) ? body.length : 0);
			this.flushNeeded.set(true);
		}
	}

	/** On the applying thread: first the flush that dropped messages call for, then the item. */
	private void handle(int bucket, Object item) {
		flushIfNeeded();
		if (item instanceof byte[] body) {
			this.applier.apply(body, this.channels[bucket].monitor());
		}
		else {
			((Runnable) item).run();
		}
	}

	private void flushIfNeeded() {
		if (this.flushNeeded.compareAndSet(true, false)) {
			logger.warn("nearcache: the receive queue overflowed and invalidations were dropped; cleared every cache");
			for (Channel channel : this.channels) {
				channel.monitor().backlogOverflowed();
			}
		}
	}

	private static Throwable root(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root;
	}

	/** What the binding tells, on the client's I/O thread. */
	private final class Receiver implements SubscribeBinding.Receiver {

		@Override
		public void received(int bucket, byte[] body) {
			RedisInvalidationSubscriber.this.channels[bucket].monitor().heard();
			dispatch(bucket, body);
		}

		@Override
		public void subscribed(int bucket) {
			Channel channel = RedisInvalidationSubscriber.this.channels[bucket];
			boolean first = channel.subscribedBefore.compareAndSet(false, true);
			dispatch(bucket, (Runnable) () -> channel.monitor().subscribed(first));
		}

		@Override
		public void unsubscribedByServer(int bucket) {
			if (!RedisInvalidationSubscriber.this.running) {
				return;
			}
			Channel channel = RedisInvalidationSubscriber.this.channels[bucket];
			dispatch(bucket, (Runnable) () -> {
				if (channel.monitor().unsubscribedByServer()) {
					channel.connectSoon(0, false);
				}
			});
		}

	}

	/** One channel's subscription attempts: at most one queued at a time, retried with a jittered back-off. */
	private final class Channel {

		private final int bucket;

		private final AtomicBoolean subscribedBefore = new AtomicBoolean();

		private final AtomicBoolean queued = new AtomicBoolean();

		private @Nullable BackOffExecution backOff;

		private boolean warned;

		Channel(int bucket) {
			this.bucket = bucket;
		}

		ChannelMonitor monitor() {
			return RedisInvalidationSubscriber.this.monitors.apply(this.bucket);
		}

		/** Queue a (re)subscription on the connector thread, unless one is queued already. */
		void connectSoon(long delayMillis, boolean recycle) {
			if (!RedisInvalidationSubscriber.this.running || !this.queued.compareAndSet(false, true)) {
				return;
			}
			try {
				RedisInvalidationSubscriber.this.connector.schedule(() -> connect(recycle), delayMillis,
						TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException ex) {
				this.queued.set(false);
			}
		}

		/** On the connector thread: drop the subscription, if any, and subscribe again; on failure retry later. */
		private void connect(boolean recycle) {
			this.queued.set(false);
			if (!RedisInvalidationSubscriber.this.running) {
				return;
			}
			SubscribeBinding binding = RedisInvalidationSubscriber.this.binding;
			if (recycle) {
				monitor().recycleStarted();
			}
			binding.unsubscribe(this.bucket, false);
			try {
				binding.subscribe(this.bucket, recycle || this.subscribedBefore.get());
				this.backOff = null;
				this.warned = false;
			}
			catch (Exception ex) {
				if (ex instanceof InterruptedException) {
					Thread.currentThread().interrupt();
				}
				binding.unsubscribe(this.bucket, false);
				if (!RedisInvalidationSubscriber.this.running) {
					return;
				}
				failed(ex);
				BackOffExecution backOff = this.backOff;
				if (backOff == null) {
					backOff = RetryBackOff.start(FIRST_RETRY_MILLIS,
							RedisInvalidationSubscriber.this.maxRetryInterval.toMillis());
					this.backOff = backOff;
				}
				connectSoon(backOff.nextBackOff(), false);
			}
		}

		/**
		 * Say why the channel could not be subscribed: once at startup; later failures belong to an incident that
		 * the channel's monitor has reported already.
		 */
		private void failed(Exception ex) {
			Throwable root = root(ex);
			String message = String.valueOf(root.getMessage());
			if (message.contains("unknown command")) {
				if (!RedisInvalidationSubscriber.this.versionErrorLogged) {
					RedisInvalidationSubscriber.this.versionErrorLogged = true;
					logger.error("nearcache: Redis rejected the subscription (" + message + "): sharded pub/sub "
							+ "needs Redis 7 or later. Set nearcache.redis.pubsub=classic for this Redis; until then "
							+ "caches stay in the degraded mode");
				}
				return;
			}
			if (this.subscribedBefore.get()) {
				// The channel's monitor has said so once for this incident (silence, lost or ended subscription),
				// and says so again when it is over: one voice in the log.
				if (logger.isDebugEnabled()) {
					logger.debug("nearcache: could not subscribe to '"
							+ RedisInvalidationSubscriber.this.layout.channel(this.bucket) + "' again yet (" + root
							+ "); retrying with back-off");
				}
				return;
			}
			if (!this.warned) {
				this.warned = true;
				logger.warn("nearcache: could not subscribe to '"
						+ RedisInvalidationSubscriber.this.layout.channel(this.bucket) + "' ("
						+ root.getClass().getSimpleName() + ": " + message + "); the caches it feeds run in the "
						+ "degraded mode until it is subscribed, retrying with back-off");
			}
		}

	}

}
