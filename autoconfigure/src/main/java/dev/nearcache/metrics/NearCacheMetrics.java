package dev.nearcache.metrics;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;

import dev.nearcache.cache.AuditResult;
import dev.nearcache.cache.AuditStatistics;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheStatistics;
import dev.nearcache.invalidation.DropReason;
import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

/**
 * Binds the meters of nearcache: the invalidation channel's, and for every near cache (those of startup and those
 * created later, bound when they are created) the standard cache meters plus {@code nearcache.invalidations}.
 * <p>
 * Cache meters carry the tags Spring Boot's {@code CacheMetricsRegistrar} gives them ({@code cache},
 * {@code cache.manager}, {@code name}). A cache whose meters Spring Boot already bound at startup is not bound
 * again. Counters are function counters over nearcache's own statistics, read when meters are published; only the
 * invalidation lag timer records per message, on the applying thread.
 */
public class NearCacheMetrics implements MeterBinder {

	private static final String MESSAGES = "Messages on the invalidation channel: invalidations and clears published "
			+ "by this instance, or every message received (heartbeats, own echoes and dropped messages included)";

	private static final String HEARTBEATS = "Heartbeats published by this instance, or received from other instances";

	private static final String INVALIDATIONS = "Keys invalidated, by origin: local (evictions, writes and "
			+ "programmatic invalidations here) or remote (messages from other instances)";

	private static final String AUDIT_SAMPLES = "Hits sampled by the stale-read audit, by result: match, mismatch "
			+ "(a confirmed stale read), unconfirmed (an invalidation in flight resolved it), skipped, error";

	private final NearCacheManager cacheManager;

	private final String cacheManagerName;

	private final InvalidationStatistics statistics;

	private final CacheMeterBinderProvider<NearCache> cacheMeters;

	/**
	 * Create the binder.
	 * @param cacheManager the caches to bind, now and when they are created
	 * @param cacheManagerName the {@code cache.manager} tag of the cache meters
	 * @param statistics the invalidation channel's counters
	 * @param cacheMeters the standard meters of one cache
	 */
	public NearCacheMetrics(NearCacheManager cacheManager, String cacheManagerName, InvalidationStatistics statistics,
			CacheMeterBinderProvider<NearCache> cacheMeters) {
		this.cacheManager = cacheManager;
		this.cacheManagerName = cacheManagerName;
		this.statistics = statistics;
		this.cacheMeters = cacheMeters;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		InvalidationStatistics channel = this.statistics;
		FunctionCounter.builder("nearcache.messages", channel, InvalidationStatistics::published)
			.tag("direction", "published")
			.description(MESSAGES)
			.register(registry);
		FunctionCounter.builder("nearcache.messages", channel, InvalidationStatistics::received)
			.tag("direction", "received")
			.description(MESSAGES)
			.register(registry);
		FunctionCounter.builder("nearcache.heartbeats", channel, InvalidationStatistics::heartbeatsPublished)
			.tag("direction", "published")
			.description(HEARTBEATS)
			.register(registry);
		FunctionCounter.builder("nearcache.heartbeats", channel, InvalidationStatistics::heartbeatsReceived)
			.tag("direction", "received")
			.description(HEARTBEATS)
			.register(registry);
		for (DropReason reason : DropReason.values()) {
			FunctionCounter.builder("nearcache.messages.dropped", channel, (statistics) -> statistics.dropped(reason))
				.tag("reason", reason.tag())
				.description("Received messages that were not applied")
				.register(registry);
		}
		for (FlushReason reason : FlushReason.values()) {
			FunctionCounter.builder("nearcache.flushes", channel, (statistics) -> statistics.flushes(reason))
				.tag("reason", reason.tag())
				.description("Times every broadcasting cache was cleared because invalidations may have been missed")
				.register(registry);
		}
		FunctionCounter.builder("nearcache.clears.coalesced", channel, InvalidationStatistics::coalescedClears)
			.description("Remote clears merged into a trailing clear of the same cache within the coalescing window")
			.register(registry);
		FunctionCounter.builder("nearcache.messages.duplicate.instance", channel,
				InvalidationStatistics::duplicateInstanceMessages)
			.description("Messages received from another live process using this instance's id")
			.register(registry);
		FunctionCounter.builder("nearcache.publish.failures", channel, InvalidationStatistics::publishFailures)
			.description("Attempts to publish invalidations that failed; each is retried. Heartbeats not included")
			.register(registry);
		FunctionCounter.builder("nearcache.heartbeat.failures", channel, InvalidationStatistics::heartbeatFailures)
			.description("Heartbeats that could not be published; rises while Redis is down even when nothing is "
					+ "invalidated")
			.register(registry);
		FunctionCounter.builder("nearcache.publish.after.stop", channel, InvalidationStatistics::offeredAfterStop)
			.description("Invalidations offered after the publisher stopped at shutdown, never published")
			.register(registry);
		for (TransportState state : TransportState.values()) {
			Gauge.builder("nearcache.channel.state", channel, (statistics) -> (statistics.state() == state) ? 1 : 0)
				.tag("state", state.name())
				.description("1 for the current state of the invalidation channel, 0 for the others")
				.register(registry);
		}
		Timer lag = Timer.builder("nearcache.invalidation.lag")
			.description("Time from sending a message (its ts, by the sender's clock) to applying it here")
			.register(registry);
		channel.addLagListener((millis) -> lag.record(Math.max(0, millis), TimeUnit.MILLISECONDS));
		this.cacheManager.forEachCache((cache) -> bindCache(registry, cache));
	}

	private void bindCache(MeterRegistry registry, NearCache cache) {
		String name = cache.getName();
		NearCacheStatistics statistics = cache.getStatistics();
		FunctionCounter.builder("nearcache.invalidations", statistics, NearCacheStatistics::localInvalidations)
			.tags("cache", name, "origin", "local")
			.description(INVALIDATIONS)
			.register(registry);
		FunctionCounter.builder("nearcache.invalidations", statistics, NearCacheStatistics::remoteInvalidations)
			.tags("cache", name, "origin", "remote")
			.description(INVALIDATIONS)
			.register(registry);
		bindAudit(registry, name, statistics.audit());
		boolean boundBySpringBoot = registry.find("cache.gets")
			.tags("cache", name, "cache.manager", this.cacheManagerName)
			.meter() != null;
		if (!boundBySpringBoot) {
			// the tags Spring Boot's CacheMetricsRegistrar adds, so that every cache's meters look alike
			this.cacheMeters.getMeterBinder(cache, Tags.of("cache.manager", this.cacheManagerName, "name", name))
				.bindTo(registry);
		}
	}

	private static void bindAudit(MeterRegistry registry, String name, AuditStatistics audit) {
		for (AuditResult result : AuditResult.values()) {
			FunctionCounter.builder("nearcache.audit.samples", audit, (statistics) -> statistics.samples(result))
				.tags("cache", name, "result", result.tag())
				.description(AUDIT_SAMPLES)
				.register(registry);
		}
		Timer age = Timer.builder("nearcache.audit.mismatch.age")
			.tag("cache", name)
			.description("How long a confirmed stale entry had been cached when the stale-read audit confirmed it")
			.register(registry);
		audit.addMismatchListener((mismatch) -> age.record(mismatch.age()));
	}

}
