package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
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
 * Tests for {@link ClearCoalescer} through {@link InvalidationApplier}: remote clears of one cache within the window
 * are merged, and every clear message is still followed by a clear.
 */
class ClearCoalescerTests {

	private static final Duration WINDOW = Duration.ofMillis(300);

	private final NearCacheManager manager = manager();

	private final InvalidationStatistics statistics = new InvalidationStatistics("me", "nearcache:test",
			TransportState.SUBSCRIBED);

	private InvalidationApplier applier = new InvalidationApplier(this.manager, new InvalidationCodec(64 * 1024),
			this.statistics, null, WINDOW);

	@AfterEach
	void close() {
		this.applier.close();
	}

	@Test
	void firstClearOfABurstRunsAtOnce() {
		NearCache products = this.manager.findCache("products");
		products.put("42", "old");
		this.applier.apply(clear("products"));
		assertThat(products.get("42")).isNull();
		assertThat(products.getStatistics().clears()).isEqualTo(1);
		assertThat(this.statistics.coalescedClears()).isZero();
	}

	@Test
	void burstOfClearsEmptiesTheCacheAtMostTwicePerWindow() {
		NearCache products = this.manager.findCache("products");
		long start = System.nanoTime();
		for (int i = 0; i < 999; i++) {
			this.applier.apply(clear("products"));
		}
		products.put("42", "loaded during the burst");
		this.applier.apply(clear("products"));
		await().atMost(Duration.ofSeconds(5)).until(() -> products.get("42") == null);
		long windows = 1 + (System.nanoTime() - start) / WINDOW.toNanos();
		assertThat(products.getStatistics().clears()).isBetween(2L, 2 * windows);
		assertThat(this.statistics.coalescedClears()).isGreaterThanOrEqualTo(1000 - windows);
		assertThat(this.statistics.applied()).isEqualTo(1000);
	}

	@Test
	void valueCachedBeforeTheLastClearMessageIsClearedByTheTrailingClear() {
		NearCache products = this.manager.findCache("products");
		this.applier.apply(clear("products"));
		products.put("42", "loaded between the first and the last clear");
		this.applier.apply(clear("products"));
		assertThat(this.statistics.coalescedClears()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(5)).until(() -> products.get("42") == null);
		assertThat(products.getStatistics().clears()).isEqualTo(2);
	}

	@Test
	void loadThatMissedBeforeACoalescedClearIsNotCached() throws Exception {
		NearCache products = this.manager.findCache("products");
		this.applier.apply(clear("products"));
		Thread loader = new Thread(() -> products.get("42", () -> {
			// Misses before the coalesced clear message, installs after it arrived and before the trailing clear.
			this.applier.apply(clear("products"));
			return "read before the last clear";
		}));
		loader.start();
		loader.join();
		await().atMost(Duration.ofSeconds(5)).until(() -> products.getStatistics().clears() == 2);
		assertThat(products.get("42")).isNull();
	}

	@Test
	void valueCachedAfterTheTrailingClearStays() {
		NearCache products = this.manager.findCache("products");
		this.applier.apply(clear("products"));
		this.applier.apply(clear("products"));
		await().atMost(Duration.ofSeconds(5)).until(() -> products.getStatistics().clears() == 2);
		products.put("42", "fresh");
		assertThat(products.get("42")).isNotNull();
	}

	@Test
	void clearsOfDifferentCachesAreNotMerged() {
		this.applier.apply(clear("products"));
		this.applier.apply(clear("prices"));
		assertThat(this.manager.findCache("products").getStatistics().clears()).isEqualTo(1);
		assertThat(this.manager.findCache("prices").getStatistics().clears()).isEqualTo(1);
		assertThat(this.statistics.coalescedClears()).isZero();
	}

	@Test
	void clearAllIsCoalescedAsItsOwnTarget() {
		NearCache products = this.manager.findCache("products");
		this.applier.apply(clearAll());
		products.put("42", "old");
		this.applier.apply(clearAll());
		assertThat(products.get("42")).isNotNull();
		assertThat(this.statistics.coalescedClears()).isEqualTo(1);
		await().atMost(Duration.ofSeconds(5)).until(() -> products.get("42") == null);
	}

	@Test
	void zeroWindowAppliesEveryClearAtOnce() {
		this.applier.close();
		this.applier = new InvalidationApplier(this.manager, new InvalidationCodec(64 * 1024), this.statistics, null,
				Duration.ZERO);
		for (int i = 0; i < 10; i++) {
			this.applier.apply(clear("products"));
		}
		assertThat(this.manager.findCache("products").getStatistics().clears()).isEqualTo(10);
		assertThat(this.statistics.coalescedClears()).isZero();
	}

	@Test
	void clearOfAnUnknownCacheIsNotTracked() {
		this.applier.apply(clear("unknown"));
		this.applier.apply(clear("unknown"));
		assertThat(this.statistics.coalescedClears()).isZero();
		assertThat(this.manager.findCache("unknown")).isNull();
	}

	@Test
	void gapFlushesAreCoalescedLikeClears() {
		ChannelMonitor monitor = new ChannelMonitor(this.manager, this.statistics, DegradedMode.SHORT_TTL,
				Duration.ofSeconds(5), Duration.ofSeconds(3), () -> {
				}, WINDOW);
		InvalidationApplier applier = new InvalidationApplier(this.manager, new InvalidationCodec(64 * 1024),
				this.statistics, monitor, WINDOW);
		try {
			NearCache products = this.manager.findCache("products");
			applier.apply(gap(0));
			applier.apply(gap(2));
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(1);
			products.put("42", "cached after the first gap");
			// Baselines survive the flush: 4 and 6 jump again, within the window.
			applier.apply(gap(4));
			applier.apply(gap(6));
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(1);
			assertThat(this.statistics.coalescedFlushes()).isEqualTo(2);
			await().atMost(Duration.ofSeconds(5)).until(() -> products.get("42") == null);
			assertThat(this.statistics.flushes(FlushReason.GAP)).isEqualTo(2);
		}
		finally {
			applier.close();
			monitor.close();
		}
	}

	private static byte[] gap(long seq) {
		return ("{\"v\":1,\"type\":\"invalidate\",\"origin\":\"gapper\",\"seq\":" + seq
				+ ",\"cache\":\"unknown\",\"keys\":[\"x\"]}").getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] clear(String cache) {
		return ("{\"v\":1,\"type\":\"clear\",\"origin\":\"other\",\"cache\":\"" + cache + "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] clearAll() {
		return "{\"v\":1,\"type\":\"clear\",\"origin\":\"other\"}".getBytes(StandardCharsets.UTF_8);
	}

	private static NearCacheManager manager() {
		NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(5), Duration.ofSeconds(30),
				1000, true, true);
		return new NearCacheManager(defaults, List.of(defaults.withName("products"), defaults.withName("prices")),
				false, new KeyCanonicalizer(), InvalidationPublisher.NONE);
	}

}
