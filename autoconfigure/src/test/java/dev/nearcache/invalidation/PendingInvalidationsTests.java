package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.nearcache.invalidation.PendingInvalidations.Batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link PendingInvalidations}, the bounded, merging queue of the publisher.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PendingInvalidationsTests {

	private final PendingInvalidations pending = new PendingInvalidations(3);

	private final ExecutorService executor = Executors.newSingleThreadExecutor();

	@AfterEach
	void shutdown() {
		this.executor.shutdownNow();
	}

	@Test
	void newQueueIsEmptyAndDrainTimesOutWithNull() throws Exception {
		assertThat(this.pending.isEmpty()).isTrue();
		assertThat(this.pending.awaitAndDrain(0)).isNull();
		assertThat(this.pending.awaitAndDrain(20)).isNull();
	}

	@Test
	void keysOfOneCacheAreBatchedInOrderWithoutDuplicates() throws Exception {
		this.pending.addKeys("products", List.of("1", "2"));
		this.pending.addKeys("products", List.of("2", "3"));
		assertThat(this.pending.isEmpty()).isFalse();
		Batch batch = drain();
		assertThat(batch.clearAll()).isFalse();
		assertThat(batch.clears()).isEmpty();
		assertThat(batch.keys()).containsOnlyKeys("products");
		assertThat(batch.keys().get("products")).containsExactly("1", "2", "3");
	}

	@Test
	void keysOfSeveralCachesAreKeptApart() throws Exception {
		this.pending.addKeys("products", List.of("1"));
		this.pending.addKeys("orders", List.of("1", "2"));
		this.pending.addKeys("products", List.of("3"));
		Batch batch = drain();
		assertThat(batch.keys()).containsExactly(Map.entry("products", Set.of("1", "3")),
				Map.entry("orders", Set.of("1", "2")));
		assertThat(batch.keys().keySet()).containsExactly("products", "orders");
	}

	@Test
	void drainTakesEverythingAndLeavesQueueEmpty() throws Exception {
		this.pending.addKeys("products", List.of("1"));
		this.pending.addClear("orders");
		drain();
		assertThat(this.pending.isEmpty()).isTrue();
		assertThat(this.pending.awaitAndDrain(0)).isNull();
	}

	@Test
	void drainedBatchIsNotChangedByLaterAdditions() throws Exception {
		this.pending.addKeys("products", List.of("1"));
		Batch batch = drain();
		this.pending.addKeys("products", List.of("2"));
		this.pending.addClear(null);
		assertThat(batch.keys().get("products")).containsExactly("1");
		assertThat(batch.clearAll()).isFalse();
	}

	@Test
	void cacheWithMoreKeysThanTheLimitBecomesAClearOfThatCache() throws Exception {
		this.pending.addKeys("products", List.of("1", "2"));
		this.pending.addKeys("orders", List.of("1"));
		this.pending.addKeys("products", List.of("3", "4"));
		Batch batch = drain();
		assertThat(batch.clears()).containsExactly("products");
		assertThat(batch.keys()).containsOnlyKeys("orders");
		assertThat(batch.clearAll()).isFalse();
	}

	@Test
	void cacheWithExactlyTheLimitKeepsItsKeys() throws Exception {
		this.pending.addKeys("products", List.of("1", "2", "3"));
		this.pending.addKeys("products", List.of("3", "2"));
		Batch batch = drain();
		assertThat(batch.clears()).isEmpty();
		assertThat(batch.keys().get("products")).containsExactly("1", "2", "3");
	}

	@Test
	void singleAddOverTheLimitBecomesAClear() throws Exception {
		this.pending.addKeys("products", List.of("1", "2", "3", "4"));
		Batch batch = drain();
		assertThat(batch.clears()).containsExactly("products");
		assertThat(batch.keys()).isEmpty();
	}

	@Test
	void pendingClearAbsorbsEarlierAndLaterKeysOfItsCache() throws Exception {
		this.pending.addKeys("products", List.of("1"));
		this.pending.addKeys("orders", List.of("9"));
		this.pending.addClear("products");
		this.pending.addKeys("products", List.of("2"));
		Batch batch = drain();
		assertThat(batch.clears()).containsExactly("products");
		assertThat(batch.keys()).containsExactly(Map.entry("orders", Set.of("9")));
	}

	@Test
	void clearsOfSeveralCachesAreMergedWithoutDuplicates() throws Exception {
		this.pending.addClear("products");
		this.pending.addClear("orders");
		this.pending.addClear("products");
		Batch batch = drain();
		assertThat(batch.clears()).containsExactlyInAnyOrder("products", "orders");
		assertThat(batch.clearAll()).isFalse();
	}

	@Test
	void clearAllAbsorbsEverythingPendingAndLater() throws Exception {
		this.pending.addKeys("products", List.of("1"));
		this.pending.addClear("orders");
		this.pending.addClear(null);
		this.pending.addKeys("products", List.of("2"));
		this.pending.addClear("orders");
		Batch batch = drain();
		assertThat(batch.clearAll()).isTrue();
		assertThat(batch.clears()).isEmpty();
		assertThat(batch.keys()).isEmpty();
	}

	@Test
	void clearAllIsPendingOnItsOwn() throws Exception {
		this.pending.addClear(null);
		assertThat(this.pending.isEmpty()).isFalse();
		assertThat(drain().clearAll()).isTrue();
	}

	@Test
	void requeuedBatchIsMergedWithWhatArrivedMeanwhile() throws Exception {
		this.pending.addKeys("products", List.of("1", "2"));
		this.pending.addClear("orders");
		Batch failed = drain();
		this.pending.addKeys("products", List.of("2", "3"));
		this.pending.addKeys("users", List.of("u"));
		this.pending.addAll(failed);
		Batch retry = drain();
		assertThat(retry.clearAll()).isFalse();
		assertThat(retry.clears()).containsExactly("orders");
		assertThat(retry.keys().get("products")).containsExactlyInAnyOrder("1", "2", "3");
		assertThat(retry.keys().get("users")).containsExactly("u");
	}

	@Test
	void requeuedBatchOverflowingTheLimitBecomesAClear() throws Exception {
		this.pending.addKeys("products", List.of("1", "2"));
		Batch failed = drain();
		this.pending.addKeys("products", List.of("3", "4"));
		this.pending.addAll(failed);
		Batch retry = drain();
		assertThat(retry.clears()).containsExactly("products");
		assertThat(retry.keys()).isEmpty();
	}

	@Test
	void requeuedClearAbsorbsKeysThatArrivedMeanwhile() throws Exception {
		this.pending.addClear("products");
		Batch failed = drain();
		this.pending.addKeys("products", List.of("1"));
		this.pending.addAll(failed);
		Batch retry = drain();
		assertThat(retry.clears()).containsExactly("products");
		assertThat(retry.keys()).isEmpty();
	}

	@Test
	void requeuedClearAllAbsorbsEverything() throws Exception {
		this.pending.addClear(null);
		Batch failed = drain();
		this.pending.addKeys("products", List.of("1"));
		this.pending.addClear("orders");
		this.pending.addAll(failed);
		Batch retry = drain();
		assertThat(retry.clearAll()).isTrue();
		assertThat(retry.clears()).isEmpty();
		assertThat(retry.keys()).isEmpty();
	}

	@Test
	void requeuedBatchIsAbsorbedByClearAllThatArrivedMeanwhile() throws Exception {
		this.pending.addKeys("products", List.of("1"));
		this.pending.addClear("orders");
		Batch failed = drain();
		this.pending.addClear(null);
		this.pending.addAll(failed);
		Batch retry = drain();
		assertThat(retry.clearAll()).isTrue();
		assertThat(retry.clears()).isEmpty();
		assertThat(retry.keys()).isEmpty();
	}

	@Test
	void waitingDrainWakesUpWhenSomethingIsAdded() throws Exception {
		CompletableFuture<Batch> drained = waitingDrain();
		this.pending.addKeys("products", List.of("1"));
		// the drain waits up to 10 s: getting it within 5 s means the addition woke it up
		Batch batch = drained.get(5, TimeUnit.SECONDS);
		assertThat(batch).isNotNull();
		assertThat(batch.keys().get("products")).containsExactly("1");
	}

	@Test
	void waitingDrainWakesUpForAClear() throws Exception {
		CompletableFuture<Batch> drained = waitingDrain();
		this.pending.addClear(null);
		assertThat(drained.get(5, TimeUnit.SECONDS).clearAll()).isTrue();
	}

	@Test
	void waitingDrainReturnsNullAfterItsTimeout() throws Exception {
		long start = System.nanoTime();
		assertThat(this.pending.awaitAndDrain(100)).isNull();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(90));
	}

	@Test
	void waitingDrainCanBeInterrupted() throws Exception {
		Thread[] waiter = new Thread[1];
		CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
			waiter[0] = Thread.currentThread();
			try {
				this.pending.awaitAndDrain(10_000);
				return null;
			}
			catch (InterruptedException ex) {
				return ex;
			}
		}, this.executor);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> waiter[0] != null && waiter[0].getState() == Thread.State.TIMED_WAITING);
		waiter[0].interrupt();
		assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
	}

	@Test
	void addingNoKeysLeavesNothingPending() throws Exception {
		this.pending.addKeys("products", List.of());
		assertThat(this.pending.isEmpty()).isTrue();
		assertThat(this.pending.awaitAndDrain(0)).isNull();
	}

	/** Start a drain with a long timeout on another thread and return once that thread is waiting. */
	private CompletableFuture<Batch> waitingDrain() {
		Thread[] waiter = new Thread[1];
		CompletableFuture<Batch> drained = CompletableFuture.supplyAsync(() -> {
			waiter[0] = Thread.currentThread();
			try {
				return this.pending.awaitAndDrain(10_000);
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}, this.executor);
		await().atMost(Duration.ofSeconds(5))
			.until(() -> waiter[0] != null && waiter[0].getState() == Thread.State.TIMED_WAITING);
		return drained;
	}

	private Batch drain() throws InterruptedException {
		Batch batch = this.pending.awaitAndDrain(1000);
		assertThat(batch).as("a pending batch").isNotNull();
		return batch;
	}

}
