package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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

/**
 * Subscribes to the invalidation channel with nearcache's own listener container and applies what arrives.
 * <p>
 * Unlike the container Spring Boot can auto-configure, this one never delays or aborts application startup:
 * it is started from a background thread that retries until Redis answers, while the caches work locally.
 * Messages are applied in arrival order on one dedicated thread, never on the client's I/O thread (evicting a
 * key that is being loaded waits for the load). The receive queue is bounded; if it overflows, the dropped
 * messages are counted and every cache is cleared before the next message is applied.
 * <p>
 * A {@link ChannelMonitor} decides what a (re)subscription, a silence or a gap means; this class carries out
 * its one request, recycling the subscription (stop, then subscribe again), since a receive-only connection
 * never notices a half-open socket by itself.
 */
public class RedisInvalidationSubscriber implements SmartLifecycle, DisposableBean {

	private static final Log logger = LogFactory.getLog(RedisInvalidationSubscriber.class);

	private final RedisMessageListenerContainer container;

	private final ThreadPoolExecutor dispatcher;

	private final ScheduledExecutorService recovery;

	private final ScheduledExecutorService watchdog;

	private final InvalidationApplier applier;

	private final ChannelMonitor monitor;

	private final InvalidationStatistics statistics;

	private final Duration maxRetryInterval;

	private final Duration checkInterval;

	private final AtomicBoolean subscribedBefore = new AtomicBoolean();

	private final AtomicBoolean flushNeeded = new AtomicBoolean();

	private final AtomicBoolean subscribing = new AtomicBoolean();

	private volatile @Nullable Thread starter;

	private volatile boolean running;

	/**
	 * Create a subscriber.
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
		this.applier = applier;
		this.monitor = monitor;
		this.statistics = statistics;
		this.maxRetryInterval = maxRetryInterval;
		this.checkInterval = checkInterval;
		this.statistics.state(TransportState.CONNECTING);
		this.dispatcher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
				new ArrayBlockingQueue<>(receiveQueueCapacity), DaemonThreads.applying(),
				(task, executor) -> overflowed());
		this.recovery = Executors
			.newSingleThreadScheduledExecutor(DaemonThreads.named("nearcache-subscription-recovery"));
		this.watchdog = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("nearcache-watchdog"));
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
		this.monitor.starting();
		subscribeInBackground(false);
		long period = this.checkInterval.toMillis();
		this.watchdog.scheduleWithFixedDelay(this::checkSilence, period, period, TimeUnit.MILLISECONDS);
	}

	private void checkSilence() {
		try {
			if (this.running && this.monitor.checkSilence()) {
				subscribeInBackground(true);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("nearcache: checking the channel failed", ex);
		}
	}

	/** Subscribe from a background thread, retrying with back-off; at most one such thread at a time. */
	private void subscribeInBackground(boolean recycle) {
		if (!this.subscribing.compareAndSet(false, true)) {
			return;
		}
		this.starter = DaemonThreads.start("nearcache-subscriber-start", () -> {
			try {
				if (recycle) {
					this.monitor.recycleStarted();
					this.container.stop();
				}
				subscribeUntilRunning();
			}
			finally {
				this.subscribing.set(false);
			}
		});
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
				if (!warned && this.running && !this.subscribedBefore.get()) {
					warned = true;
					logger.warn("nearcache: Redis is not reachable (" + rootMessage(ex) + "); caches work locally "
							+ "in the degraded mode, and the channel '" + this.statistics.channel()
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
		this.watchdog.shutdownNow();
		this.container.destroy();
		this.recovery.shutdownNow();
		this.dispatcher.shutdown();
		this.dispatcher.awaitTermination(1, TimeUnit.SECONDS);
	}

	/**
	 * Return whether the channel is subscribed and proven by a heartbeat round trip.
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
			this.monitor.backlogOverflowed();
		}
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ": " + root.getMessage();
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
			boolean first = RedisInvalidationSubscriber.this.subscribedBefore.compareAndSet(false, true);
			RedisInvalidationSubscriber.this.monitor.subscribed(first);
		}

	}

}
