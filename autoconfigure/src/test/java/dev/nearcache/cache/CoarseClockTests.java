package dev.nearcache.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Ticker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The coarse clock's rules, driven tick by tick over a fake {@code nanoTime}: it reads the last sample between
 * ticks, never moves backwards, reads the source itself for a while after its updater stalls, and runs its
 * updater only while a registered user is alive.
 */
class CoarseClockTests {

	private static final long RESOLUTION = CoarseClock.RESOLUTION.toNanos();

	private final AtomicLong source = new AtomicLong(1_000_000_000L);

	private final CoarseClock clock = new CoarseClock(this.source::get);

	@Test
	void readsTheLastSampleBetweenTicks() {
		long start = this.source.get();
		assertThat(this.clock.read()).isEqualTo(start);
		this.source.addAndGet(RESOLUTION / 2);
		assertThat(this.clock.read()).isEqualTo(start);
		this.source.addAndGet(RESOLUTION / 2);
		this.clock.advance(true);
		assertThat(this.clock.read()).isEqualTo(start + RESOLUTION);
	}

	@Test
	void neverReadsBackwards() {
		tick(RESOLUTION);
		long read = this.clock.read();
		this.source.addAndGet(-5 * RESOLUTION);
		this.clock.advance(true);
		assertThat(this.clock.read()).isEqualTo(read);
	}

	@Test
	void aLateTickUnderTheStallThresholdKeepsSampling() {
		tick(RESOLUTION + CoarseClock.STALL.toNanos());
		assertThat(this.clock.isPrecise()).isFalse();
		assertThat(this.clock.stalls()).isZero();
	}

	@Test
	void afterAStallEveryReadReadsTheSource() {
		tick(RESOLUTION + CoarseClock.STALL.toNanos() + 1);
		assertThat(this.clock.isPrecise()).isTrue();
		assertThat(this.clock.stalls()).isOne();
		this.source.addAndGet(123);
		assertThat(this.clock.read()).isEqualTo(this.source.get());
	}

	@Test
	void samplingResumesAfterTheHoldWithoutReadingBackwards() {
		tick(RESOLUTION + CoarseClock.STALL.toNanos() + 1);
		long ticks = CoarseClock.PRECISE_HOLD.toNanos() / RESOLUTION;
		long last = this.clock.read();
		for (long i = 0; i <= ticks; i++) {
			this.source.addAndGet(RESOLUTION - 1);
			long preciseRead = this.clock.read();
			assertThat(preciseRead).isGreaterThanOrEqualTo(last);
			this.source.addAndGet(1);
			this.clock.advance(true);
			assertThat(this.clock.read()).isGreaterThanOrEqualTo(preciseRead);
			last = this.clock.read();
		}
		assertThat(this.clock.isPrecise()).isFalse();
		long sampled = this.clock.read();
		this.source.addAndGet(RESOLUTION / 2);
		assertThat(this.clock.read()).isEqualTo(sampled).isGreaterThan(this.source.get() - RESOLUTION);
	}

	@Test
	void aTtlOfAFewTicksGetsTheSystemTicker() {
		assertThat(CoarseClock.tickerFor(CoarseClock.SHORTEST_TTL.minusNanos(1)))
			.isSameAs(Ticker.systemTicker());
		assertThat(CoarseClock.tickerFor(CoarseClock.SHORTEST_TTL)).isInstanceOf(CoarseClock.class);
	}

	@Test
	void theUpdaterRunsWhileAUserIsAliveAndRestartsForTheNext() {
		CoarseClock real = new CoarseClock(System::nanoTime);
		Object user = new Object();
		real.register(user);
		long registered = real.read();
		await().atMost(Duration.ofSeconds(10)).until(() -> real.read() > registered);
		assertThat(real.isRunning()).isTrue();
		user = null;
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
			System.gc();
			return !real.isRunning();
		});
		Object next = new Object();
		real.register(next);
		long restarted = real.read();
		await().atMost(Duration.ofSeconds(10)).until(() -> real.read() > restarted);
		assertThat(next).isNotNull();
	}

	/** One tick of the updater after it slept {@code elapsed} nanoseconds. */
	private void tick(long elapsed) {
		this.source.addAndGet(elapsed);
		this.clock.advance(true);
	}

}
