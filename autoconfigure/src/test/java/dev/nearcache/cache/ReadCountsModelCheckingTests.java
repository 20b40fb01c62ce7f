package dev.nearcache.cache;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;

/**
 * Model checks {@link ReadCounts} with Lincheck: threads count hits and misses into their own cells while others
 * sum them, in every interleaving Lincheck explores, and each result must be one a single counter could have
 * given (linearizability against the same operations run one after another): no increment lost or counted
 * twice, no sum that goes back.
 */
public class ReadCountsModelCheckingTests {

	private final ReadCounts counts = new ReadCounts();

	@Operation
	public void hit() {
		this.counts.hits(1);
	}

	@Operation
	public void miss() {
		this.counts.misses(1);
	}

	@Operation
	public long hits() {
		return this.counts.hits();
	}

	@Operation
	public long misses() {
		return this.counts.misses();
	}

	@Test
	void countsAreLinearizable() {
		new ModelCheckingOptions().iterations(20)
			.invocationsPerIteration(300)
			.threads(3)
			.actorsPerThread(3)
			.check(ReadCountsModelCheckingTests.class);
	}

}
