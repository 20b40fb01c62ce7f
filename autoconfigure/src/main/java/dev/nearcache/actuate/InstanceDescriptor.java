package dev.nearcache.actuate;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;

/**
 * This instance's near caches and invalidation channel, as the {@code nearcache} endpoint reports them.
 *
 * @param instanceId this instance's id on the channel ({@code nearcache.instance-id})
 * @param channel the Redis pub/sub channel
 * @param state the state of the invalidation transport: a
 * {@link dev.nearcache.invalidation.TransportState TransportState} name
 * @param degradedMode the degraded mode the caches run in now ({@code nearcache.degraded.mode}); {@code null} when
 * invalidations are known to flow. In sharded mode, set while any cache's channel is unproven; each cache's own
 * {@code degradedMode} says which
 * @param lastMessageReceivedAt when the last message arrived on the channel (ISO-8601); {@code null} if none did
 * @param counters what the channel carried since startup
 * @param caches every live cache, by name
 */
public record InstanceDescriptor(String instanceId, String channel, String state, @Nullable String degradedMode,
		@Nullable String lastMessageReceivedAt, Counters counters, Map<String, CacheDescriptor> caches) {

	public InstanceDescriptor {
		caches = Collections.unmodifiableMap(new TreeMap<>(caches));
	}

	static InstanceDescriptor of(InvalidationStatistics statistics, NearCacheManager cacheManager) {
		Instant lastReceivedAt = statistics.lastReceivedAt();
		Map<String, CacheDescriptor> byName = new TreeMap<>();
		cacheManager.caches().forEach((cache) -> byName.put(cache.getName(), CacheDescriptor.of(cache)));
		DegradedMode degradedMode = cacheManager.getDegradedMode();
		if (degradedMode == null) {
			degradedMode = cacheManager.caches().stream()
				.map(NearCache::getDegradedMode)
				.filter(Objects::nonNull)
				.findFirst()
				.orElse(null);
		}
		return new InstanceDescriptor(statistics.instanceId(), statistics.channel(), statistics.state().name(),
				(degradedMode != null) ? degradedMode.name() : null,
				(lastReceivedAt != null) ? lastReceivedAt.toString() : null, Counters.of(statistics), byName);
	}

	/**
	 * Counters of the invalidation channel since startup.
	 *
	 * @param published invalidate and clear messages this instance published (heartbeats not included)
	 * @param received messages received, including heartbeats, this instance's own echoes and dropped ones
	 * @param applied invalidate and clear messages from other instances that were applied
	 * @param heartbeatsPublished heartbeats this instance published
	 * @param heartbeatsReceived heartbeats received from other instances
	 * @param selfSkipped this instance's own messages received back and skipped
	 * @param dropped received messages that were not applied, by reason (see {@code docs/protocol.md})
	 * @param publishFailures attempts to publish invalidations that failed; each is retried (heartbeats not
	 * included)
	 * @param heartbeatFailures heartbeats that could not be published (rises while Redis is down, even when nothing
	 * is invalidated)
	 * @param offeredAfterStop invalidations offered after the publisher stopped at shutdown, never published
	 * @param reconnects re-subscriptions after a lost connection
	 * @param flushes times every broadcasting cache was cleared because invalidations may have been missed, by
	 * reason
	 * @param coalescedFlushes flushes skipped because an earlier flush of the same incident already covered them
	 * @param coalescedClears remote clears merged into one trailing clear of the same cache (also counted as applied)
	 */
	public record Counters(long published, long received, long applied, long heartbeatsPublished,
			long heartbeatsReceived, long selfSkipped, Map<String, Long> dropped, long publishFailures,
			long heartbeatFailures, long offeredAfterStop, long reconnects, Map<String, Long> flushes,
			long coalescedFlushes, long coalescedClears) {

		public Counters {
			dropped = Collections.unmodifiableMap(new LinkedHashMap<>(dropped));
			flushes = Collections.unmodifiableMap(new LinkedHashMap<>(flushes));
		}

		static Counters of(InvalidationStatistics statistics) {
			Map<String, Long> dropped = new LinkedHashMap<>();
			statistics.droppedByReason().forEach((reason, count) -> dropped.put(reason.tag(), count));
			Map<String, Long> flushes = new LinkedHashMap<>();
			statistics.flushesByReason().forEach((reason, count) -> flushes.put(reason.tag(), count));
			return new Counters(statistics.published(), statistics.received(), statistics.applied(),
					statistics.heartbeatsPublished(), statistics.heartbeatsReceived(), statistics.selfSkipped(),
					dropped, statistics.publishFailures(), statistics.heartbeatFailures(), statistics.offeredAfterStop(),
					statistics.reconnects(), flushes,
					statistics.coalescedFlushes(), statistics.coalescedClears());
		}

	}

}
