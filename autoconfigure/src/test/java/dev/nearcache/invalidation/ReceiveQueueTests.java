package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ReceiveQueue}: the hand-off never blocks a producer, loses nothing it accepted, keeps the order
 * of acceptance, and wakes a parked applying thread every time.
 */
class ReceiveQueueTests {

	private ReceiveQueue queue;

	@AfterEach
	void close() throws InterruptedException {
		if (this.queue != null) {
			this.queue.close();
		}
	}

	@Test
	void offer_whenFull_refusesAtOnceAndAcceptsAgainOnceApplied() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch applying = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		this.queue = new ReceiveQueue(3, DaemonThreads.named("test-applying"), (bucket, item) -> {
			applying.countDown();
			awaitRelease(release);
			handled.incrementAndGet();
		});
		assertThat(this.queue.offer(0, "blocking")).isTrue();
		assertThat(applying.await(10, TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < 3; i++) {
			assertThat(this.queue.offer(0, "waiting-" + i)).isTrue();
		}
		long start = System.nanoTime();
		assertThat(this.queue.offer(0, "one too many")).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
		release.countDown();
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 4);
		assertThat(this.queue.offer(0, "after")).isTrue();
		await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == 5);
	}

	@Test
	void offer_fromManyThreads_handlesEveryItemOnceInEachProducersOrder() throws Exception {
		int producers = 4;
		int perProducer = 200_000;
		int[] next = new int[producers];
		int[] bucketMismatches = new int[1];
		AtomicInteger outOfOrder = new AtomicInteger();
		AtomicInteger handled = new AtomicInteger();
		this.queue = new ReceiveQueue(1024, DaemonThreads.named("test-applying"), (bucket, item) -> {
			int[] value = (int[]) item;
			if (value[0] != bucket) {
				bucketMismatches[0]++;
			}
			if (value[1] != next[value[0]]) {
				outOfOrder.incrementAndGet();
			}
			next[value[0]] = value[1] + 1;
			handled.incrementAndGet();
		});
		List<Thread> threads = new ArrayList<>();
		for (int p = 0; p < producers; p++) {
			int producer = p;
			Thread thread = new Thread(() -> {
				for (int i = 0; i < perProducer; i++) {
					int[] item = { producer, i };
					while (!this.queue.offer(producer, item)) {
						Thread.onSpinWait();
					}
				}
			});
			thread.start();
			threads.add(thread);
		}
		for (Thread thread : threads) {
			thread.join();
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> handled.get() == producers * perProducer);
		assertThat(outOfOrder).hasValue(0);
		assertThat(bucketMismatches[0]).isZero();
		assertThat(next).containsOnly(perProducer);
	}

	@Test
	void offer_afterTheApplyingThreadParked_wakesItEveryTime() throws Exception {
		Semaphore handled = new Semaphore(0);
		this.queue = new ReceiveQueue(16, DaemonThreads.named("test-applying-wake"), (bucket, item) -> handled.release());
		Thread applying = applyingThread();
		for (int i = 0; i < 200; i++) {
			// Parked (not spinning) before each offer: the offer must unpark it.
			await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1))
				.until(() -> applying.getState() == Thread.State.WAITING);
			assertThat(this.queue.offer(0, i)).isTrue();
			assertThat(handled.tryAcquire(10, TimeUnit.SECONDS)).as("item %d handled", i).isTrue();
		}
		// And when offers race with the spin and the park.
		for (int i = 0; i < 100_000; i++) {
			assertThat(this.queue.offer(0, i)).isTrue();
			assertThat(handled.tryAcquire(10, TimeUnit.SECONDS)).as("item %d handled", i).isTrue();
		}
	}

	@Test
	void close_handlesWhatWasAcceptedAndRefusesMore() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		this.queue = new ReceiveQueue(100, DaemonThreads.named("test-applying"), (bucket, item) -> {
			awaitRelease(release);
			handled.incrementAndGet();
		});
		for (int i = 0; i < 10; i++) {
			assertThat(this.queue.offer(0, i)).isTrue();
		}
		Thread closing = new Thread(() -> {
			try {
				this.queue.close(10_000);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		closing.start();
		await().atMost(Duration.ofSeconds(10)).until(this.queue::isClosed);
		assertThat(this.queue.offer(0, "late")).isFalse();
		release.countDown();
		closing.join(10_000);
		assertThat(handled).hasValue(10);
	}

	@Test
	void handle_whenAnItemFails_goesOnWithTheNext() throws Exception {
		Semaphore handled = new Semaphore(0);
		this.queue = new ReceiveQueue(16, DaemonThreads.named("test-applying"), (bucket, item) -> {
			if ("bad".equals(item)) {
				throw new IllegalStateException("bad item");
			}
			handled.release();
		});
		assertThat(this.queue.offer(0, "bad")).isTrue();
		assertThat(this.queue.offer(0, "good")).isTrue();
		assertThat(handled.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
	}

	private Thread applyingThread() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("test-applying-wake") && thread.isAlive())
			.findFirst()
			.orElseThrow();
	}

	private static void awaitRelease(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
