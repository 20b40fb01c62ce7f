package dev.nearcache.invalidation;

import java.time.Duration;

import dev.nearcache.cache.DegradedMode;

/**
 * What a {@link ChannelMonitor} acts on: the caches its channel feeds, and where the channel's state is
 * reported. In classic mode that is every broadcasting cache and the instance's one state; in sharded mode each
 * channel feeds only the caches of its bucket, and the instance's state is the worst of its channels'.
 */
interface ChannelScope {

	/**
	 * Run the channel's caches degraded until {@link #restore()}.
	 * @param mode what degraded means
	 * @param ttl the TTL cap of {@link DegradedMode#SHORT_TTL}
	 */
	void degrade(DegradedMode mode, Duration ttl);

	/** Leave the degraded mode entered by {@link #degrade}. */
	void restore();

	/** Clear, on this instance only, the broadcasting caches that this channel feeds. */
	void flush();

	/**
	 * The channel's state changed.
	 * @param state the new state
	 */
	void state(TransportState state);

}
