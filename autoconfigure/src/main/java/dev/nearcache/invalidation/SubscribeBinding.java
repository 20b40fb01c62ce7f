package dev.nearcache.invalidation;

import org.jspecify.annotations.Nullable;

/**
 * How {@link RedisInvalidationSubscriber} subscribes a channel: with Spring Data Redis' listener container
 * ({@link ClassicSubscribeBinding}) or with one Lettuce cluster pub/sub connection per sharded channel
 * ({@link ShardedSubscribeBinding}). Everything else (monitoring, degrading, retrying with back-off, recycling
 * a silent subscription, the receive queue, shutdown) is the subscriber's, written once.
 */
interface SubscribeBinding {

	/**
	 * Say where to deliver what arrives; called once, before the first {@link #subscribe}.
	 * @param receiver what is told of messages and subscriptions
	 */
	void deliverTo(Receiver receiver);

	/**
	 * Subscribe a channel and wait until Redis confirms it. Called on one thread at a time.
	 * @param bucket the channel's number
	 * @param refreshTopology whether to look up where the channel lives again first (a reconnect)
	 * @throws Exception if the channel could not be subscribed; the subscriber retries after a back-off
	 */
	void subscribe(int bucket, boolean refreshTopology) throws Exception;

	/**
	 * Drop a channel's subscription and its connection, if any; without telling the receiver.
	 * @param bucket the channel's number
	 * @param wait whether to wait until the connection is closed (at shutdown, before the client is shut down)
	 */
	void unsubscribe(int bucket, boolean wait);

	/**
	 * Return whether a channel is subscribed on a node that no longer serves it (a cluster slot moved).
	 * @param bucket the channel's number
	 * @return whether it should be subscribed again
	 */
	default boolean moved(int bucket) {
		return false;
	}

	/**
	 * Return the node a channel is subscribed on, for tests and diagnostics.
	 * @param bucket the channel's number
	 * @return {@code host:port}, or {@code null} if unknown or not connected
	 */
	default @Nullable String node(int bucket) {
		return null;
	}

	/** Release what the binding holds; after every channel was unsubscribed. */
	default void close() {
	}

	/**
	 * What a binding tells the subscriber. Called on the client's I/O thread, which is shared by every
	 * connection of the client: an implementation must return at once, never block.
	 */
	interface Receiver {

		/**
		 * A message arrived on a channel.
		 * @param bucket the channel's number
		 * @param body the message body
		 */
		void received(int bucket, byte[] body);

		/**
		 * Redis confirmed a subscription of a channel (also one the client re-established by itself).
		 * @param bucket the channel's number
		 */
		void subscribed(int bucket);

		/**
		 * Redis ended a channel's subscription on its own ({@code SUNSUBSCRIBE} pushed after a slot migration or
		 * a failover).
		 * @param bucket the channel's number
		 */
		void unsubscribedByServer(int bucket);

	}

}
