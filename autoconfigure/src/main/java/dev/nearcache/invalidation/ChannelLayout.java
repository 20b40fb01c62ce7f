package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;

/**
 * Which channels the transport publishes and subscribes on, and which channel carries a cache's messages: one
 * channel for every cache in classic mode, a fixed number of bucket channels in sharded mode
 * ({@link ShardedChannels}). The transport's logic is written once against this layout; each channel has its
 * own sequence numbers, heartbeats, back-off and {@link ChannelMonitor}.
 */
interface ChannelLayout {

	/**
	 * Return how many channels there are; channels are numbered from 0.
	 * @return the number of channels
	 */
	int buckets();

	/**
	 * Return the channel a cache's messages go to.
	 * @param cacheName the cache
	 * @return its channel's number
	 */
	int bucketOf(String cacheName);

	/**
	 * Return a channel's name.
	 * @param bucket the channel's number
	 * @return its name
	 */
	String channel(int bucket);

	/**
	 * Return a channel's name in UTF-8.
	 * @param bucket the channel's number
	 * @return its name's bytes (not to be modified)
	 */
	byte[] channelBytes(int bucket);

	/**
	 * Return the layout's name as heartbeats carry it ({@code mode}), so that a mixed fleet is noticed.
	 * @return {@link InvalidationMessage#CLASSIC_MODE} or {@link InvalidationMessage#SHARDED_MODE}
	 */
	String mode();

	/**
	 * Return the classic layout: one channel for every cache.
	 * @param channel the channel's name
	 * @return the layout
	 */
	static ChannelLayout single(String channel) {
		return new Single(channel, channel.getBytes(StandardCharsets.UTF_8));
	}

	/** Classic mode: one channel. */
	record Single(String name, byte[] bytes) implements ChannelLayout {

		@Override
		public int buckets() {
			return 1;
		}

		@Override
		public int bucketOf(String cacheName) {
			return 0;
		}

		@Override
		public String channel(int bucket) {
			return this.name;
		}

		@Override
		public byte[] channelBytes(int bucket) {
			return this.bytes;
		}

		@Override
		public String mode() {
			return InvalidationMessage.CLASSIC_MODE;
		}

	}

}
