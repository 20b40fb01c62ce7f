package dev.nearcache.autoconfigure;

import java.time.Duration;

/**
 * Prints durations the way they are written in properties ({@code 5m}, {@code 30s}, {@code 250ms}), for logs.
 */
final class Durations {

	private Durations() {
	}

	static String format(Duration duration) {
		long millis = duration.toMillis();
		if (millis % 3_600_000 == 0 && millis != 0) {
			return (millis / 3_600_000) + "h";
		}
		if (millis % 60_000 == 0 && millis != 0) {
			return (millis / 60_000) + "m";
		}
		if (millis % 1_000 == 0 && millis != 0) {
			return (millis / 1_000) + "s";
		}
		return millis + "ms";
	}

}
