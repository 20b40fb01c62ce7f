package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.nearcache.cache.NearCacheManager;

/**
 * Subscribes to the invalidation channel with nearcache's own listener container and applies what arrives.
 * <p>
 * Unlike the container Spring Boot can auto-configure, this one never delays or aborts application startup:
 * it is started from a background thread that retries until Redis answers, while the caches work locally.
 * Messages are applied in arrival order on one dedicated thread, never on the client's I/O thread (evicting a
 * key that is being loaded waits for the load). The receive queue is bounded; if it overflows, the dropped
 * messages are counted and every cache is cleared before the next message is applied.
 * <p>
 * A subscription after the first one means the connection was lost and re-established: invalidations published
 * meanwhile are lost, so every cache is cleared and the reconnect counted.
 */
public class RedisInvalidationSubscriber implements SmartLifecycle, DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisInvalidationSubscriber.class);

	private final RedisMessageListenerContainer container;

	private final ThreadPoolExecutor dispatcher;

	private final ScheduledExecutorService recovery;

	private final NearCacheManager cacheManager;

	private final InvalidationApplier applier;

	private final InvalidationStatistics statistics;

	private final Duration maxRetryInterval;

	private final AtomicBoolean subscribedBefore = new AtomicBoolean();

	private final AtomicBoolean flushNeeded = new AtomicBoolean();

	private volatile @Nullable Thread starter;

	private volatile boolean running;

	/**
	 * Create a subscriber.
	 * @param connectionFactory the connection factory (the application's by default)
	 * @param channel the channel name
	 * @param cacheManager the caches, cleared when messages may have been missed
	 * @param applier applies received messages
	 * @param statistics the counters to update
	 * @param maxRetryInterval the longest wait between attempts to (re)subscribe
	 * @param receiveQueueCapacity how many received messages may wait to be applied
	 */
	public RedisInvalidationSubscriber(RedisConnectionFactory connectionFactory, String channel,
			NearCacheManager cacheManager, InvalidationApplier applier, InvalidationStatistics statistics,
			Duration maxRetryInterval, int receiveQueueCapacity) {
		this.cacheManager = cacheManager;
		this.applier = applier;
		this.statistics = statistics;
		this.maxRetryInterval = maxRetryInterval;
		this.statistics.state(TransportState.CONNECTING);
		this.dispatcher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
				new ArrayBlockingQueue<>(receiveQueueCapacity), daemonThreads("nearcache-invalidation"),
				(task, executor) -> overflowed());
		this.recovery = Executors.newSingleThreadScheduledExecutor(daemonThreads("nearcache-subscription-recovery"));
		ExponentialBackOff backOff = new ExponentialBackOff(100, 2);
		backOff.setMaxInterval(maxRetryInterval.toMillis());
		this.container = new RedisMessageListenerContainer();
		this.container.setConnectionFactory(connectionFactory);
		this.container.setTaskExecutor(this.dispatcher);
		this.container.setSubscriptionExecutor(this.recovery);
		this.container.setRecoveryBackoff(backOff);
		this.container.setAutoStartup(false);
		this.container.setBeanName("nearcacheListenerContainer");
		this.container.addMessageListener(new Listener(), new ChannelTopic(channel));
		this.container.afterPropertiesSet();
	}

	@Override
	public void start() {
		if (this.running) {
			return;
		}
		this.running = true;
		this.statistics.state(TransportState.CONNECTING);
		Thread thread = new Thread(this::subscribeUntilRunning, "nearcache-subscriber-start");
		thread.setDaemon(true);
		this.starter = thread;
		thread.start();
	}

	private void subscribeUntilRunning() {
		long backoff = 100;
		boolean warned = false;
		while (this.running) {
			try {
				this.container.start();
				return;
			}
			catch (RuntimeException ex) {
				if (!warned) {
					warned = true;
					logger.warn("nearcache: Redis is not reachable (" + rootMessage(ex) + "); caches work locally "
							+ "with their TTL bounding staleness, and the channel '" + this.statistics.channel()
							+ "' is subscribed as soon as Redis answers");
				}
				this.container.stop();
			}
			try {
				Thread.sleep(backoff);
			}
			catch (InterruptedException ex) {
				return;
			}
			backoff = Math.min(this.maxRetryInterval.toMillis(), backoff * 2);
		}
	}

	@Override
	public void stop() {
		this.running = false;
		Thread thread = this.starter;
		if (thread != null) {
			thread.interrupt();
		}
		this.container.stop();
		this.statistics.state(TransportState.STOPPED);
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() throws Exception {
		stop();
		this.container.destroy();
		this.recovery.shutdownNow();
		this.dispatcher.shutdown();
		this.dispatcher.awaitTermination(1, TimeUnit.SECONDS);
	}

	/**
	 * Return whether the channel is subscribed right now.
	 * @return whether messages from other instances arrive
	 */
	public boolean isSubscribed() {
		return this.container.isListening() && this.statistics.state() == TransportState.SUBSCRIBED;
	}

	private void overflowed() {
		this.applier.drop(DropReason.BACKLOG, 0);
		this.flushNeeded.set(true);
	}

	private void flushIfNeeded() {
		if (this.flushNeeded.compareAndSet(true, false)) {
			logger.warn("nearcache: the receive queue overflowed and invalidations were dropped; cleared every cache");
			this.statistics.recordFlush(FlushReason.BACKLOG);
			this.cacheManager.clearBroadcastingLocally();
		}
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ": " + root.getMessage();
	}

	private static ThreadFactory daemonThreads(String name) {
		return (task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		};
	}

	private final class Listener implements MessageListener, SubscriptionListener {

		@Override
		public void onMessage(Message message, byte @Nullable [] pattern) {
			flushIfNeeded();
			RedisInvalidationSubscriber.this.applier.apply(message.getBody());
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			flushIfNeeded();
			InvalidationStatistics statistics = RedisInvalidationSubscriber.this.statistics;
			statistics.state(TransportState.SUBSCRIBED);
			if (RedisInvalidationSubscriber.this.subscribedBefore.compareAndSet(false, true)) {
				logger.info("nearcache: subscribed to invalidation channel '" + statistics.channel()
						+ "' as instance '" + statistics.instanceId() + "'");
				return;
			}
			statistics.recordReconnect();
			statistics.recordFlush(FlushReason.RECONNECT);
			RedisInvalidationSubscriber.this.cacheManager.clearBroadcastingLocally();
			logger.warn("nearcache: re-subscribed to '" + statistics.channel() + "' after the connection was lost; "
					+ "cleared every cache, since invalidations published meanwhile were missed");
		}

		@Override
		public void onChannelUnsubscribed(byte[] channel, long count) {
			if (RedisInvalidationSubscriber.this.running) {
				RedisInvalidationSubscriber.this.statistics.state(TransportState.CONNECTING);
			}
		}

	}

}
