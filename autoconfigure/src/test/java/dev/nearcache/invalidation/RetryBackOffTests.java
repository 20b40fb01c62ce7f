package dev.nearcache.invalidation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.util.backoff.BackOffExecution;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transport's back-off is jittered: a fleet that lost Redis at one moment does not retry in lockstep.
 */
class RetryBackOffTests {

	@Test
	void delaysOfTwoInstancesDiffer() {
		Set<List<Long>> sequences = new HashSet<>();
		for (int instance = 0; instance < 20; instance++) {
			sequences.add(delays(RetryBackOff.start(100, 5_000), 6));
		}
		assertThat(sequences).as("twenty instances starting their back-off at the same moment").hasSizeGreaterThan(15);
	}

	@Test
	void delaysGrowAroundTheExponentialCurveAndStayCapped() {
		for (int run = 0; run < 50; run++) {
			List<Long> delays = delays(RetryBackOff.start(100, 5_000), 12);
			assertThat(delays.get(0)).isBetween(50L, 150L);
			assertThat(delays.get(3)).as("800 ms, give or take the jitter").isBetween(400L, 1_200L);
			assertThat(delays).allSatisfy((delay) -> assertThat(delay).isBetween(1L, 5_000L));
			assertThat(delays.get(11)).as("capped").isGreaterThanOrEqualTo(2_500L);
		}
	}

	@Test
	void neverGivesUp() {
		BackOffExecution execution = RetryBackOff.start(100, 200);
		for (int i = 0; i < 10_000; i++) {
			assertThat(execution.nextBackOff()).isNotEqualTo(BackOffExecution.STOP);
		}
	}

	private static List<Long> delays(BackOffExecution execution, int count) {
		List<Long> delays = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			delays.add(execution.nextBackOff());
		}
		return delays;
	}

}
