package dev.nearcache.invalidation;

/**
 * Which Redis pub/sub the invalidation channel uses.
 */
public enum PubSubMode {

	/**
	 * {@code PUBLISH}/{@code SUBSCRIBE} on one channel per application. Works with every Redis; on a cluster
	 * every message crosses every node, so a channel's cost grows with the number of nodes. The default.
	 */
	CLASSIC,

	/**
	 * Redis 7 sharded pub/sub ({@code SPUBLISH}/{@code SSUBSCRIBE}) on a Redis Cluster: one channel per bucket of
	 * caches, each carried only by the shard that owns its slot, so invalidation load spreads over the shards.
	 */
	SHARDED,

	/**
	 * {@link #SHARDED} when the application is configured for a Redis Cluster
	 * ({@code spring.data.redis.cluster.nodes}), {@link #CLASSIC} otherwise. Decided from configuration, never
	 * by asking Redis, so that every instance of a fleet decides alike whether or not Redis answers at startup.
	 */
	AUTO

}
