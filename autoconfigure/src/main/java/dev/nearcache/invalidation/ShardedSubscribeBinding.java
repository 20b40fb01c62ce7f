package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.jspecify.annotations.Nullable;

/**
 * Sharded pub/sub: {@code SSUBSCRIBE} on every bucket channel, each on the primary that owns the channel's slot.
 * <p>
 * Lettuce's cluster pub/sub does not route {@code SSUBSCRIBE} by slot, its per-node connections do not follow a
 * failover, and on reconnect it re-sends all shard channels of a connection in one {@code SSUBSCRIBE}, which the
 * server rejects ({@code CROSSSLOT}) when they live in different slots. So each bucket channel has a connection
 * of its own, to the owner this class looks up ({@code SlotHash}, the client's partitions), refreshing the
 * partitions before a re-subscription (a dead owner stays in them until a refresh); {@link #moved} tells the
 * subscriber when a slot changed owner.
 */
final class ShardedSubscribeBinding implements SubscribeBinding {

	private final Supplier<@Nullable AbstractRedisClient> client;

	private final ShardedChannels channels;

	private final Duration commandTimeout;

	private final Shard[] shards;

	private @Nullable Receiver receiver;

	/**
	 * Create the binding.
	 * @param client supplies the application's {@link RedisClusterClient} (once the connection factory started)
	 * @param channels the channel layout
	 * @param commandTimeout the longest wait for a subscription to be confirmed
	 */
	ShardedSubscribeBinding(Supplier<@Nullable AbstractRedisClient> client, ShardedChannels channels,
			Duration commandTimeout) {
		this.client = client;
		this.channels = channels;
		this.commandTimeout = commandTimeout;
		this.shards = new Shard[channels.buckets()];
		for (int bucket = 0; bucket < this.shards.length; bucket++) {
			this.shards[bucket] = new Shard(bucket);
		}
	}

	@Override
	public void deliverTo(Receiver receiver) {
		this.receiver = receiver;
	}

	@Override
	public void subscribe(int bucket, boolean refreshTopology) throws Exception {
		this.shards[bucket].subscribe(refreshTopology);
	}

	@Override
	public void unsubscribe(int bucket, boolean wait) {
		this.shards[bucket].close(wait);
	}

	@Override
	public boolean moved(int bucket) {
		RedisClusterClient cluster = cluster();
		return cluster != null && this.shards[bucket].movedFrom(cluster);
	}

	@Override
	public @Nullable String node(int bucket) {
		return this.shards[bucket].node;
	}

	private @Nullable RedisClusterClient cluster() {
		return (this.client.get() instanceof RedisClusterClient cluster) ? cluster : null;
	}

	private Receiver receiver() {
		Receiver receiver = this.receiver;
		if (receiver == null) {
			throw new IllegalStateException("deliverTo was not called");
		}
		return receiver;
	}

	/** One bucket channel's subscription: its own connection, to its slot's owner. */
	private final class Shard extends RedisPubSubAdapter<byte[], byte[]> {

		private final int bucket;

		private volatile @Nullable StatefulRedisClusterPubSubConnection<byte[], byte[]> connection;

		private volatile @Nullable String node;

		private volatile boolean closing;

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

		void subscribe(boolean refreshTopology) throws Exception {
			RedisClusterClient cluster = cluster();
			if (cluster == null) {
				throw new IllegalStateException("the Redis cluster client is not started yet");
			}
			if (refreshTopology) {
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
				.ssubscribe(ShardedSubscribeBinding.this.channels.channelBytes(this.bucket))
				.get(ShardedSubscribeBinding.this.commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
			this.node = address(owner);
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
			return ShardedSubscribeBinding.this.channels.slot(this.bucket);
		}

		@Override
		public void smessage(byte[] channel, byte[] message) {
			receiver().received(this.bucket, message);
		}

		@Override
		public void ssubscribed(byte[] channel, long count) {
			receiver().subscribed(this.bucket);
		}

		@Override
		public void sunsubscribed(byte[] channel, long count) {
			if (!this.closing) {
				receiver().unsubscribedByServer(this.bucket);
			}
		}

		private static String address(RedisClusterNode node) {
			return node.getUri().getHost() + ":" + node.getUri().getPort();
		}

	}

}
