package dev.nearcache.invalidation;

import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The back-off of every retry loop of the transport (publishing, subscribing): exponential from a short first
 * delay, capped, and jittered. Without jitter a fleet that lost Redis at one moment retries in lockstep, and
 * every instance reconnects and re-sends at the same instant when Redis comes back.
 */
final class RetryBackOff {

	private RetryBackOff() {
	}

	/**
	 * Return a back-off: each delay doubles from {@code initialMillis} up to {@code maxMillis}, and each is
	 * moved by a random amount of up to half the first delay (scaled like the delay itself), either way.
	 * @param initialMillis the first delay
	 * @param maxMillis the longest delay
	 * @return the back-off, never giving up
	 */
	static ExponentialBackOff jittered(long initialMillis, long maxMillis) {
		ExponentialBackOff backOff = new ExponentialBackOff(initialMillis, 2);
		backOff.setMaxInterval(Math.max(initialMillis, maxMillis));
		backOff.setJitter(Math.max(1, initialMillis / 2));
		return backOff;
	}

	/**
	 * Start a sequence of delays of {@link #jittered}.
	 * @param initialMillis the first delay
	 * @param maxMillis the longest delay
	 * @return the delays
	 */
	static BackOffExecution start(long initialMillis, long maxMillis) {
		return jittered(initialMillis, maxMillis).start();
	}

}
