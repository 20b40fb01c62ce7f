package dev.nearcache.audit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link CallBudget}.
 */
class CallBudgetTests {

	@Test
	void grantsAtMostASecondsWorthAtOnce() {
		CallBudget budget = new CallBudget(10);
		int granted = 0;
		for (int i = 0; i < 1000; i++) {
			granted += budget.tryAcquire() ? 1 : 0;
		}
		assertThat(granted).isBetween(1, 11);
	}

	@Test
	void zeroMeansNoLimit() {
		CallBudget budget = new CallBudget(0);
		for (int i = 0; i < 1000; i++) {
			assertThat(budget.tryAcquire()).isTrue();
		}
	}

}
