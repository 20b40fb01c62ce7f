package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;

import io.lettuce.core.cluster.SlotHash;

/**
 * The channel layout of sharded pub/sub: a fixed number of bucket channels {@code <channel>:<bucket>}, and each
 * cache in the bucket {@code CLUSTER KEYSLOT(cache name) mod buckets}.
 * <p>
 * Each bucket channel hashes to its own slot (the whole name is hashed, as it has no hash tag), so the buckets,
 * and with them the invalidation load of different caches, spread over the shards. The bucket of a cache is
 * computable by any Redis client, since every client implements the key slot function; the number of buckets is
 * a power of two, so {@code slot mod buckets} equals {@code CRC16(name) mod buckets}.
 */
public final class ShardedChannels implements ChannelLayout {

	private final String[] names;

	private final byte[][] bytes;

	private final int[] slots;

	/**
	 * Create the layout.
	 * @param channel the application's channel ({@code nearcache.channel}), the prefix of every bucket channel
	 * @param buckets how many bucket channels; a power of two
	 */
	public ShardedChannels(String channel, int buckets) {
		if (buckets <= 0 || Integer.bitCount(buckets) != 1 || buckets > SlotHash.SLOT_COUNT) {
			throw new IllegalArgumentException("buckets must be a power of two up to 16384, not " + buckets);
		}
		this.names = new String[buckets];
		this.bytes = new byte[buckets][];
		this.slots = new int[buckets];
		for (int bucket = 0; bucket < buckets; bucket++) {
			this.names[bucket] = channel + ":" + bucket;
			this.bytes[bucket] = this.names[bucket].getBytes(StandardCharsets.UTF_8);
			this.slots[bucket] = SlotHash.getSlot(this.bytes[bucket]);
		}
	}

	/**
	 * Return how many bucket channels there are.
	 * @return the number of buckets
	 */
	@Override
	public int buckets() {
		return this.names.length;
	}

	/**
	 * Return the bucket a cache's messages go to.
	 * @param cacheName the cache
	 * @return its bucket
	 */
	@Override
	public int bucketOf(String cacheName) {
		return SlotHash.getSlot(cacheName) & (this.names.length - 1);
	}

	/**
	 * Return a bucket's channel name.
	 * @param bucket the bucket
	 * @return the channel
	 */
	@Override
	public String channel(int bucket) {
		return this.names[bucket];
	}

	@Override
	public byte[] channelBytes(int bucket) {
		return this.bytes[bucket];
	}

	@Override
	public String mode() {
		return InvalidationMessage.SHARDED_MODE;
	}

	/**
	 * Return the cluster slot of a bucket's channel, which decides the shard that carries it.
	 * @param bucket the bucket
	 * @return the slot
	 */
	public int slot(int bucket) {
		return this.slots[bucket];
	}

}
