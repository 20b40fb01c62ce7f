package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How {@link ShardedMonitors} scopes each channel's decisions: a loss on one channel clears only its bucket's
 * caches, sequences are per sender and channel, and the instance is subscribed only when every channel is proven.
 */
class ShardedMonitorsTests {

	private final InvalidationStatistics statistics = new InvalidationStatistics("me", "nearcache:test",
			TransportState.CONNECTING);

	private final ShardedChannels channels = new ShardedChannels("nearcache:test", 2);

	private NearCacheManager manager;

	private ShardedMonitors monitors;

	private NearCache zero;

	private NearCache one;

	@BeforeEach
	void start() {
		String inZero = cacheIn(0);
		String inOne = cacheIn(1);
		NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		this.manager = new NearCacheManager(defaults, List.of(defaults.withName(inZero), defaults.withName(inOne)),
				false, new KeyCanonicalizer(), InvalidationPublisher.NONE);
		this.zero = this.manager.getCache(inZero);
		this.one = this.manager.getCache(inOne);
		this.monitors = new ShardedMonitors(this.manager, this.statistics, this.channels, DegradedMode.SHORT_TTL,
				Duration.ofSeconds(5), Duration.ofSeconds(3), (bucket) -> {
				}, Duration.ZERO);
	}

	private String cacheIn(int bucket) {
		for (int i = 0;; i++) {
			if (this.channels.bucketOf("cache-" + i) == bucket) {
				return "cache-" + i;
			}
		}
	}

	@Test
	void theInstanceIsSubscribedOnlyOnceEveryChannelIsProven() {
		this.monitors.monitor(0).starting();
		this.monitors.monitor(1).starting();
		this.monitors.monitor(0).subscribed(true);
		this.monitors.monitor(0).ownHeartbeat();
		assertThat(this.statistics.state()).isEqualTo(TransportState.CONNECTING);
		assertThat(this.monitors.degraded(0)).isFalse();
		assertThat(this.monitors.degraded(1)).as("still degraded: channel 1 is unproven").isTrue();
		this.monitors.monitor(1).subscribed(true);
		this.monitors.monitor(1).ownHeartbeat();
		assertThat(this.statistics.state()).isEqualTo(TransportState.SUBSCRIBED);
		assertThat(this.monitors.degraded(1)).isFalse();
		assertThat(this.monitors.allSubscribed()).isTrue();
	}

	@Test
	void aServerPushedUnsubscribeClearsOnlyThatChannelsCaches() {
		proveBoth();
		this.zero.put(1L, "zero");
		this.one.put(1L, "one");
		assertThat(this.monitors.monitor(0).unsubscribedByServer()).as("re-subscribe").isTrue();
		assertThat(this.zero.get(1L)).isNull();
		assertThat(this.one.get(1L).get()).isEqualTo("one");
		assertThat(this.statistics.state()).isEqualTo(TransportState.DEGRADED);
		assertThat(this.monitors.degraded(0)).isTrue();
		assertThat(this.monitors.degraded(1)).as("channel 1 is fine").isFalse();
		assertThat(this.zero.getDegradedMode()).isEqualTo(DegradedMode.SHORT_TTL);
		assertThat(this.one.getDegradedMode()).isNull();
		assertThat(this.statistics.flushes(FlushReason.RECONNECT)).isEqualTo(1);
		this.monitors.monitor(0).subscribed(false);
		this.zero.put(2L, "cached while unproven");
		this.monitors.monitor(0).ownHeartbeat();
		assertThat(this.zero.get(2L)).as("cleared when proven again").isNull();
		assertThat(this.statistics.state()).isEqualTo(TransportState.SUBSCRIBED);
		assertThat(this.monitors.degraded(0)).isFalse();
		assertThat(this.zero.getDegradedMode()).isNull();
	}

	@Test
	void sequencesArePerSenderAndChannel() {
		proveBoth();
		this.zero.put(1L, "zero");
		this.one.put(1L, "one");
		this.monitors.monitor(0).sequenced(invalidation(10));
		this.monitors.monitor(1).sequenced(invalidation(1));
		this.monitors.monitor(1).sequenced(invalidation(2));
		this.monitors.monitor(0).sequenced(invalidation(11));
		assertThat(this.statistics.flushes(FlushReason.GAP)).as("two streams, each without a gap").isZero();
		this.monitors.monitor(0).sequenced(invalidation(13));
		assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(1);
		assertThat(this.zero.get(1L)).isNull();
		assertThat(this.one.get(1L).get()).as("channel 1 lost nothing").isEqualTo("one");
	}

	@Test
	void aDegradeNeitherWaitsForASlowLoadNorBlocksCreatingACache() throws Exception {
		NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		NearCacheManager dynamic = new NearCacheManager(defaults, List.of(defaults.withName(cacheIn(0))), true,
				new KeyCanonicalizer(), InvalidationPublisher.NONE);
		ShardedMonitors monitors = new ShardedMonitors(dynamic, this.statistics, this.channels, DegradedMode.SHORT_TTL,
				Duration.ofSeconds(5), Duration.ofSeconds(3), (bucket) -> {
				}, Duration.ZERO);
		for (int bucket = 0; bucket < 2; bucket++) {
			monitors.monitor(bucket).starting();
			monitors.monitor(bucket).subscribed(true);
			monitors.monitor(bucket).ownHeartbeat();
		}
		CountDownLatch loading = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> load = CompletableFuture.supplyAsync(() -> dynamic.getCache(cacheIn(0)).get(1L, () -> {
			loading.countDown();
			release.await();
			return "slow";
		}));
		try {
			assertThat(loading.await(5, TimeUnit.SECONDS)).isTrue();
			// The server ends channel 0's subscription: its caches are cleared and degraded. The clear does not wait
			// for the load that started before it (issue 16), and creating a cache meanwhile is not blocked (issue 17).
			CompletableFuture<Boolean> degrade = CompletableFuture.supplyAsync(() -> monitors.monitor(0).unsubscribedByServer());
			CompletableFuture<NearCache> created = CompletableFuture.supplyAsync(() -> dynamic.getCache("created-meanwhile"));
			assertThat(created.get(5, TimeUnit.SECONDS)).as("created while channel 0 degrades").isNotNull();
			degrade.get(5, TimeUnit.SECONDS);
			assertThat(monitors.degraded(0)).isTrue();
			assertThat(load).as("the slow load is still running").isNotDone();
		}
		finally {
			release.countDown();
		}
		assertThat(load.get(5, TimeUnit.SECONDS)).isEqualTo("slow");
	}

	private void proveBoth() {
		for (int bucket = 0; bucket < 2; bucket++) {
			this.monitors.monitor(bucket).starting();
			this.monitors.monitor(bucket).subscribed(true);
			this.monitors.monitor(bucket).ownHeartbeat();
		}
		assertThat(this.statistics.state()).isEqualTo(TransportState.SUBSCRIBED);
	}

	private static InvalidationMessage invalidation(long seq) {
		return new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "other", seq, 0L, "any", List.of("1"));
	}

}
