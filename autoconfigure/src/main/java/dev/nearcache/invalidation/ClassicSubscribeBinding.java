package dev.nearcache.invalidation;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.MessageListener;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Classic pub/sub: nearcache's own Spring Data Redis listener container on the one channel.
 * <p>
 * The container runs its listener on the thread that receives (Lettuce's I/O thread): the listener only
 * records that the channel is alive and hands the message over, so liveness is proven by what Redis delivers,
 * not by how fast messages are applied. Retrying a failed subscription is the subscriber's (one back-off, one log
 * line per incident), so the container neither recovers on its own nor logs the failure as an ERROR.
 */
final class ClassicSubscribeBinding implements SubscribeBinding {

	private final QuietContainer container = new QuietContainer();

	private final ScheduledExecutorService subscriptions = Executors
		.newSingleThreadScheduledExecutor(DaemonThreads.named("nearcache-subscription"));

	private final RedisConnectionFactory connectionFactory;

	private final String channel;

	ClassicSubscribeBinding(RedisConnectionFactory connectionFactory, String channel) {
		this.connectionFactory = connectionFactory;
		this.channel = channel;
	}

	@Override
	public void deliverTo(Receiver receiver) {
		this.container.setConnectionFactory(this.connectionFactory);
		this.container.setTaskExecutor(Runnable::run);
		this.container.setSubscriptionExecutor(this.subscriptions);
		this.container.setAutoStartup(false);
		this.container.setBeanName("nearcacheListenerContainer");
		this.container.addMessageListener(new Listener(receiver), new ChannelTopic(this.channel));
		this.container.afterPropertiesSet();
	}

	@Override
	public void subscribe(int bucket, boolean refreshTopology) throws Exception {
		this.container.failure = null;
		this.container.start();
		if (!this.container.isListening()) {
			Throwable failure = this.container.failure;
			throw new IllegalStateException("the subscription was not confirmed in time", failure);
		}
	}

	@Override
	public void unsubscribe(int bucket, boolean wait) {
		this.container.stop();
	}

	@Override
	public void close() {
		try {
			this.container.destroy();
		}
		catch (Exception ex) {
			// Closing anyway.
		}
		this.subscriptions.shutdownNow();
	}

	/**
	 * A container whose failed subscription only fails the subscription attempt: its own recovery and its
	 * ERROR lines ("SubscriptionTask aborted with exception", "Connection failure occurred") are skipped, the
	 * way the container skips them when it is not running. Scoped to nearcache's own container.
	 */
	private static final class QuietContainer extends RedisMessageListenerContainer {

		private final ThreadLocal<Boolean> failing = ThreadLocal.withInitial(() -> Boolean.FALSE);

		volatile @Nullable Throwable failure;

		@Override
		protected void handleSubscriptionException(CompletableFuture<Void> future, BackOffExecution backOffExecution,
				Throwable cause) {
			this.failure = cause;
			this.failing.set(Boolean.TRUE);
			try {
				super.handleSubscriptionException(future, backOffExecution, cause);
			}
			finally {
				this.failing.set(Boolean.FALSE);
			}
		}

		@Override
		public boolean isRunning() {
			return !this.failing.get() && super.isRunning();
		}

	}

	private static final class Listener implements MessageListener, SubscriptionListener {

		private final Receiver receiver;

		Listener(Receiver receiver) {
			this.receiver = receiver;
		}

		@Override
		public void onMessage(Message message, byte @Nullable [] pattern) {
			this.receiver.received(0, message.getBody());
		}

		@Override
		public void onChannelSubscribed(byte[] channel, long count) {
			this.receiver.subscribed(0);
		}

	}

}
