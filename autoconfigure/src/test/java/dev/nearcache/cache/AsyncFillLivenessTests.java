package dev.nearcache.cache;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Liveness of asynchronous fills (issue 16, defect 2): once a key was invalidated, a hot key whose asynchronous
 * misses always overlap (request rate times load time above one) must still be cached again by one of them. A
 * deterministic sequence on one thread, since the property is about progress, not about an interleaving.
 */
class AsyncFillLivenessTests {

	/** How many overlapping misses after the invalidation may go by before one must have installed its value. */
	private static final int MISSES = 5;

	@Test
	void overlappingAsyncMissesAfterAnInvalidationInstallWithinAFewMisses() {
		CacheCoreModel model = new CacheCoreModel();
		Object key = CacheCoreModel.STRING_KEY;
		CacheCoreModel.AsyncRead inFlight = model.beginAsyncRead(key);
		assertThat(inFlight).as("the first read misses").isNotNull();
		model.writeThenRemoteInvalidation(key);
		for (int miss = 1; miss <= MISSES && inFlight != null; miss++) {
			// The next read misses before the previous one completes: the misses always overlap.
			CacheCoreModel.AsyncRead next = model.beginAsyncRead(key);
			inFlight.complete();
			inFlight = next;
		}
		boolean cached = inFlight == null || model.cache().get(key) != null;
		assertThat(cached).as("some fill installed within %d overlapping misses after the invalidation", MISSES)
			.isTrue();
		if (inFlight != null) {
			inFlight.complete();
		}
		model.verify();
	}

}
