package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.List;

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
 * How {@link ChannelMonitor} turns re-subscriptions into clears: one clear per incident, however many
 * re-subscriptions a failover causes.
 */
class ChannelMonitorTests {

	private static final Duration WINDOW = Duration.ofMillis(200);

	private final InvalidationStatistics statistics = new InvalidationStatistics("me", "nearcache:test",
			TransportState.CONNECTING);

	private NearCache products;

	private NearCacheManager manager;

	private ChannelMonitor monitor;

	@BeforeEach
	void startProven() {
		NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		NearCacheManager manager = new NearCacheManager(defaults, List.of(defaults.withName("products")), false,
				new KeyCanonicalizer(), InvalidationPublisher.NONE);
		this.manager = manager;
		this.products = manager.getCache("products");
		this.monitor = new ChannelMonitor(manager, this.statistics, DegradedMode.SHORT_TTL, Duration.ofSeconds(5),
				WINDOW, () -> {
				});
		this.monitor.starting();
		this.monitor.subscribed(true);
		this.monitor.ownHeartbeat();
		assertThat(this.statistics.state()).isEqualTo(TransportState.SUBSCRIBED);
		assertThat(flushes()).as("the startup flush").isEqualTo(1);
	}

	@Test
	void reSubscriptionWhileSubscribedClearsAtOnce() {
		this.products.put(1L, "cached");
		this.monitor.subscribed(false);
		assertThat(this.products.get(1L)).isNull();
		assertThat(this.statistics.flushes(FlushReason.RECONNECT)).isEqualTo(1);
		assertThat(this.statistics.reconnects()).isEqualTo(1);
	}

	@Test
	void reSubscriptionsWhileDegradedClearOnceWhenTheSubscriptionIsProven() {
		degrade();
		this.monitor.subscribed(false);
		this.monitor.subscribed(false);
		this.monitor.subscribed(false);
		this.products.put(1L, "cached while unproven");
		assertThat(this.statistics.flushes(FlushReason.RECONNECT)).isZero();
		this.monitor.ownHeartbeat();
		assertThat(this.products.get(1L)).as("cleared at the proof").isNull();
		assertThat(this.statistics.flushes(FlushReason.DEGRADED)).isEqualTo(1);
		assertThat(this.statistics.flushes(FlushReason.RECOVERED)).isEqualTo(2);
		assertThat(flushes()).as("startup, degraded, recovered").isEqualTo(3);
		assertThat(this.statistics.reconnects()).isEqualTo(3);
		assertThat(this.statistics.coalescedFlushes()).isEqualTo(3);
	}

	@Test
	void reSubscriptionWithinAWindowOfTheProofThatEndedARecycleIsTheSameIncident() {
		degrade();
		this.monitor.recycleStarted();
		this.monitor.subscribed(false);
		this.monitor.ownHeartbeat();
		long proven = System.nanoTime();
		long afterProof = flushes();
		this.monitor.subscribed(false);
		assertThat(flushes()).as("the second subscription a recycle left").isEqualTo(afterProof);
		await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - proven > WINDOW.toNanos());
		this.products.put(1L, "cached");
		this.monitor.subscribed(false);
		assertThat(this.products.get(1L)).as("a re-subscription after the window is a new incident").isNull();
		assertThat(this.statistics.flushes(FlushReason.RECONNECT)).isEqualTo(1);
	}

	@Test
	void reSubscriptionDuringARecycleThatWasNotProvenYetStillClearsAtTheProof() {
		degrade();
		this.monitor.recycleStarted();
		this.monitor.subscribed(false);
		this.products.put(1L, "cached while unproven");
		this.monitor.ownHeartbeat();
		assertThat(this.products.get(1L)).isNull();
		assertThat(this.statistics.flushes(FlushReason.RECOVERED)).isEqualTo(2);
	}

	@Test
	void lossWithinAWindowOfTheProofIsFlushedAlthoughThatReSubscriptionIsNot() {
		ChannelMonitor monitor = coalescingMonitor();
		try {
			monitor.sequenced(invalidation("web-1", 1));
			degrade(monitor);
			monitor.recycleStarted();
			monitor.subscribed(false);
			monitor.ownHeartbeat();
			monitor.subscribed(false);
			this.products.put(1L, "cached after the proof");
			// 2 was lost between the two subscriptions the recycle left: the skipped flush relies on seeing it.
			monitor.sequenced(invalidation("web-1", 3));
			await().atMost(Duration.ofSeconds(5)).until(() -> this.products.get(1L) == null);
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(1);
		}
		finally {
			monitor.close();
		}
	}

	@Test
	void sendersThatPublishedDuringAReconnectCostOneMoreFlushTogether() {
		ChannelMonitor monitor = coalescingMonitor();
		try {
			for (int sender = 0; sender < 5; sender++) {
				monitor.sequenced(invalidation("web-" + sender, 1));
			}
			monitor.subscribed(false);
			assertThat(this.statistics.flushes(FlushReason.RECONNECT)).isEqualTo(1);
			this.products.put(1L, "cached after the reconnect");
			// Each published 2 and 3 while this instance was disconnected: 4 is the first it hears of each.
			for (int sender = 0; sender < 5; sender++) {
				monitor.sequenced(invalidation("web-" + sender, 4));
			}
			assertThat(this.statistics.flushes(FlushReason.GAP)).as("held back").isZero();
			await().atMost(Duration.ofSeconds(5)).until(() -> this.products.get(1L) == null);
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(1);
			assertThat(this.statistics.coalescedFlushes()).isEqualTo(5);
		}
		finally {
			monitor.close();
		}
	}

	@Test
	void lossRightAfterAGapFlushIsFlushedToo() {
		ChannelMonitor monitor = coalescingMonitor();
		try {
			// Past the hold of the startup proof.
			long start = System.nanoTime();
			await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - start > WINDOW.toNanos());
			monitor.sequenced(invalidation("web-1", 1));
			monitor.sequenced(invalidation("web-1", 3));
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(1);
			this.products.put(1L, "cached after the gap flush");
			monitor.sequenced(invalidation("web-1", 5));
			await().atMost(Duration.ofSeconds(5)).until(() -> this.products.get(1L) == null);
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(2);
		}
		finally {
			monitor.close();
		}
	}

	/** A proven monitor on the same caches that merges gap flushes, as configured by default. */
	private ChannelMonitor coalescingMonitor() {
		ChannelMonitor monitor = new ChannelMonitor(this.manager, this.statistics, DegradedMode.SHORT_TTL,
				Duration.ofSeconds(5), WINDOW, () -> {
				}, Duration.ofMillis(50));
		monitor.starting();
		monitor.subscribed(true);
		monitor.ownHeartbeat();
		return monitor;
	}

	private static InvalidationMessage invalidation(String origin, long seq) {
		return new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, origin, seq, null, "products",
				List.of("other"), null, "start-of-" + origin);
	}

	private void degrade(ChannelMonitor monitor) {
		await().atMost(Duration.ofSeconds(5)).pollDelay(WINDOW).until(monitor::checkSilence);
		assertThat(this.statistics.state()).isEqualTo(TransportState.DEGRADED);
	}

	@Test
	void aReceiveQueueOverflowClearsEveryCacheAndCountsABacklogFlush() {
		this.products.put(1L, "cached before messages were dropped");
		this.monitor.backlogOverflowed();
		assertThat(this.products.get(1L)).isNull();
		assertThat(this.statistics.flushes(FlushReason.BACKLOG)).isEqualTo(1);
		assertThat(this.statistics.state()).as("a dropped message is no sign of a dead channel")
			.isEqualTo(TransportState.SUBSCRIBED);
	}

	@Test
	void stoppedDegradesTheCachesSinceNothingArrivesAnyMore() {
		this.products.put(1L, "cached");
		this.monitor.stopped();
		assertThat(this.statistics.state()).isEqualTo(TransportState.STOPPED);
		assertThat(this.products.getDegradedMode()).isEqualTo(DegradedMode.SHORT_TTL);
		assertThat(this.products.get(1L)).as("cleared on entering the degraded mode").isNull();
	}

	private void degrade() {
		await().atMost(Duration.ofSeconds(5)).pollDelay(WINDOW).until(this.monitor::checkSilence);
		assertThat(this.statistics.state()).isEqualTo(TransportState.DEGRADED);
	}

	private long flushes() {
		return this.statistics.flushesByReason().values().stream().mapToLong(Long::longValue).sum();
	}

}
