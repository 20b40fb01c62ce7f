package dev.nearcache.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Expiry on the coarse clock keeps its promise: an entry is served for its TTL and gone within the TTL plus the
 * clock's resolution (values, the shorter null TTL, nulls that outlive values, and a degraded TTL), driven over a
 * fake {@code nanoTime}; and on the real JVM-wide clock a degraded TTL of one second expires in about one second.
 */
class NearCacheClockTests {

	private static final long RESOLUTION = CoarseClock.RESOLUTION.toNanos();

	private final AtomicLong nanoTime = new AtomicLong(7_000_000_000L);

	private final CoarseClock clock = new CoarseClock(this.nanoTime::get);

	@Test
	void aValueExpiresWithinItsTtlPlusTheResolution() {
		NearCache cache = cache(Duration.ofSeconds(1), Duration.ofMillis(500));
		cache.put("key", "value");
		assertServedUntilGoneWithinTheResolution(cache, "key", Duration.ofSeconds(1));
	}

	@Test
	void aNullExpiresWithinItsShorterNullTtlPlusTheResolution() {
		NearCache cache = cache(Duration.ofMinutes(10), Duration.ofMillis(500));
		cache.put("missing", null);
		assertServedUntilGoneWithinTheResolution(cache, "missing", Duration.ofMillis(500));
	}

	@Test
	void aNullThatOutlivesValuesExpiresOnTheSameClock() {
		NearCache cache = cache(Duration.ofMillis(500), Duration.ofSeconds(2));
		cache.put("missing", null);
		cache.put("key", "value");
		assertServedUntilGoneWithinTheResolution(cache, "key", Duration.ofMillis(500));
		assertThat(cache.get("missing")).isNotNull();
		assertServedUntilGoneWithinTheResolution(cache, "missing", Duration.ofSeconds(2));
	}

	@Test
	void aDegradedTtlExpiresWithinItselfPlusTheResolution() {
		NearCache cache = cache(Duration.ofMinutes(10), Duration.ofMinutes(1));
		cache.degrade(DegradedMode.SHORT_TTL, Duration.ofSeconds(1));
		cache.put("key", "value");
		assertServedUntilGoneWithinTheResolution(cache, "key", Duration.ofSeconds(1));
	}

	@Test
	void anExpiredValueReadIsAMissAndIsRemoved() {
		NearCache cache = cache(Duration.ofSeconds(1), Duration.ofMillis(500));
		cache.put(new org.springframework.cache.interceptor.SimpleKey(1, "x"), "value");
		tickFor(Duration.ofSeconds(1));
		assertThat(cache.get(new org.springframework.cache.interceptor.SimpleKey(1, "x"))).isNull();
		NearCacheStatistics statistics = cache.getStatistics();
		assertThat(statistics.hits()).isZero();
		assertThat(statistics.misses()).isOne();
		assertThat(statistics.expiryEvictions()).isOne();
		assertThat(cache.getNativeCache().asMap()).isEmpty();
		assertThat(((CacheKeys) org.springframework.test.util.ReflectionTestUtils.getField(cache, "keys")).indexedKeys())
			.isZero();
	}

	@Test
	void aSweepRemovesAndCountsExpiredEntriesNobodyReads() {
		NearCache cache = cache(Duration.ofSeconds(1), Duration.ofMillis(500));
		cache.put("value", "v");
		cache.put("missing", null);
		cache.put("fresh", "v");
		tickFor(Duration.ofMillis(600));
		cache.sweepExpired();
		assertThat(cache.getNativeCache().asMap()).containsOnlyKeys("value", "fresh");
		tickFor(Duration.ofMillis(400));
		// "fresh" expired too; a write over it counts its expiry.
		cache.put("fresh", "again");
		cache.sweepExpired();
		assertThat(cache.getNativeCache().asMap()).containsOnlyKeys("fresh");
		assertThat(cache.getStatistics().expiryEvictions()).isEqualTo(3);
		assertThat(cache.getStatistics().misses()).isZero();
	}

	@Test
	void entriesWrittenWhileDegradedGetTheFullTtlBackOnRestore() {
		NearCache cache = cache(Duration.ofMinutes(10), Duration.ofMinutes(1));
		cache.degrade(DegradedMode.SHORT_TTL, Duration.ofSeconds(1));
		cache.put("key", "value");
		cache.restore();
		tickFor(Duration.ofSeconds(5));
		assertThat(cache.get("key")).isNotNull();
	}

	@Test
	void policyAgesReadTheSameClock() {
		NearCache cache = cache(Duration.ofMinutes(10), Duration.ofMinutes(1));
		cache.put("key", "value");
		tickFor(Duration.ofSeconds(3));
		assertThat(cache.ageOf("key")).isEqualTo(Duration.ofSeconds(3));
	}

	@Test
	void aDegradedTtlOfOneSecondExpiresInAboutOneSecondOnTheRealClock() {
		NearCache cache = new NearCache(new NearCacheSettings("real", Duration.ofMinutes(10), Duration.ofMinutes(1),
				1_000, true, true), new KeyCanonicalizer(), InvalidationPublisher.NONE);
		assertThat(cache.ticker()).isInstanceOf(CoarseClock.class);
		cache.degrade(DegradedMode.SHORT_TTL, Duration.ofSeconds(1));
		cache.put("key", "value");
		long written = System.nanoTime();
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> cache.get("key") == null);
		Duration lived = Duration.ofNanos(System.nanoTime() - written);
		assertThat(lived).isGreaterThanOrEqualTo(Duration.ofSeconds(1).minus(CoarseClock.RESOLUTION))
			.isLessThan(Duration.ofMillis(1500));
	}

	/**
	 * The entry is served until its TTL has passed on the clock, even while the clock lags real time by less than
	 * one tick, and is gone at the first tick at or after the TTL.
	 */
	private void assertServedUntilGoneWithinTheResolution(NearCache cache, Object key, Duration ttl) {
		long written = writtenAt(cache, key);
		long deadline = written + ttl.toNanos();
		while (this.clock.read() + RESOLUTION < deadline) {
			assertThat(cache.get(key)).as("served before its TTL").isNotNull();
			tick();
		}
		// Real time passes the deadline, the clock has not ticked yet: at most one tick late.
		this.nanoTime.set(deadline + RESOLUTION / 2);
		assertThat(cache.get(key)).as("served up to one tick late").isNotNull();
		tick();
		assertThat(this.clock.read()).isLessThanOrEqualTo(deadline + RESOLUTION + RESOLUTION / 2);
		assertThat(cache.get(key)).as("gone within the TTL plus one tick").isNull();
	}

	private long writtenAt(NearCache cache, Object key) {
		Duration age = cache.ageOf(key);
		return this.clock.read() - ((age != null) ? age.toNanos() : 0);
	}

	private void tickFor(Duration duration) {
		long end = this.nanoTime.get() + duration.toNanos();
		while (this.nanoTime.get() < end) {
			tick();
		}
	}

	private void tick() {
		this.nanoTime.addAndGet(RESOLUTION);
		this.clock.advance(true);
	}

	private NearCache cache(Duration ttl, Duration nullTtl) {
		return new NearCache(new NearCacheSettings("clocked", ttl, nullTtl, 1_000, true, true), new KeyCanonicalizer(),
				InvalidationPublisher.NONE, this.clock);
	}

}
