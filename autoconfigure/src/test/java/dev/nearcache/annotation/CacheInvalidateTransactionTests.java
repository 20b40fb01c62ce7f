package dev.nearcache.annotation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.transaction.support.TransactionTemplate;

import dev.nearcache.annotation.TransactionalCatalogApplication.ProductService;
import dev.nearcache.annotation.TransactionalCatalogApplication.Refused;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static dev.nearcache.annotation.AppInstance.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@code @CacheInvalidate} with a real transactional database, on two instances sharing Redis and one H2 database:
 * invalidation after commit, none on rollback, one message per transaction, and the stale reload it prevents.
 * <p>
 * Run with the advisor in its default order, outside the transaction interceptor (this class), and inside it
 * ({@link CacheInvalidateInsideTransactionTests}): the guarantees must not depend on the order.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheInvalidateTransactionTests {

	/**
	 * Properties the instances start with beyond Redis and the database.
	 * @return the properties
	 */
	String[] extraProperties() {
		return new String[0];
	}

	private AppInstance a;

	private AppInstance b;

	private ChannelRecorder channel;

	@BeforeAll
	void startInstances(RedisServerProcess redis) {
		String database = "jdbc:h2:mem:nearcache-tx-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
		List<String> properties = new ArrayList<>(List.of("spring.application.name=invalidate-tx-test",
				"test.database-url=" + database));
		properties.addAll(List.of(extraProperties()));
		this.a = AppInstance.start(TransactionalCatalogApplication.class, redis.port(),
				properties.toArray(String[]::new));
		this.b = AppInstance.start(TransactionalCatalogApplication.class, redis.port(),
				properties.toArray(String[]::new));
		service(this.a).createTable();
		eventually().until(() -> this.a.subscribed() && this.b.subscribed());
		this.channel = new ChannelRecorder(redis.redisUri(), this.a.statistics().channel());
	}

	@AfterAll
	void stopInstances() {
		this.channel.close();
		this.a.close();
		this.b.close();
	}

	@BeforeEach
	void reset() {
		this.a.drainTo(this.b);
		this.b.drainTo(this.a);
		service(this.a).beforeCommit(() -> {
		});
		service(this.a).reset(24);
		this.a.clearLocally();
		this.b.clearLocally();
		this.channel.takeMessagesFor("products");
	}

	@Test
	void commitInvalidatesBothInstancesOnlyAfterTheCommit() {
		readOnBoth(1L);
		AtomicReference<Object> cachedDuringTransaction = new AtomicReference<>();
		service(this.a).beforeCommit(() -> cachedDuringTransaction.set(this.a.cached("products", 1L)));
		service(this.a).rename(1L, "renamed");
		assertThat(cachedDuringTransaction).as("not invalidated before the commit").hasValue("product-1");
		assertThat(this.a.holds("products", 1L)).as("writer evicted before the method returned").isFalse();
		eventually().until(() -> !this.b.holds("products", 1L));
		assertThat(service(this.b).find(1L)).isEqualTo("renamed");
		assertThat(this.channel.takeMessagesFor("products")).singleElement()
			.satisfies((message) -> assertThat(message.get("keys")).asList().containsExactly("1"));
	}

	@Test
	void rollbackInvalidatesNothing() {
		readOnBoth(2L);
		assertThatIllegalStateException().isThrownBy(() -> service(this.a).renameThenFail(2L, "renamed"))
			.withMessage("refused after the write");
		this.a.drainTo(this.b);
		assertThat(service(this.a).nameInDatabase(2L)).isEqualTo("product-2");
		assertThat(this.a.cached("products", 2L)).isEqualTo("product-2");
		assertThat(this.b.cached("products", 2L)).isEqualTo("product-2");
		assertThat(this.channel.takeMessagesFor("products")).isEmpty();
	}

	@Test
	void checkedExceptionCommitsTheWriteAndStillInvalidates() {
		readOnBoth(8L);
		assertThatExceptionOfType(Refused.class)
			.isThrownBy(() -> service(this.a).renameThenFailChecked(8L, "renamed"));
		assertThat(service(this.a).nameInDatabase(8L)).as("committed: checked exceptions do not roll back")
			.isEqualTo("renamed");
		assertThat(this.a.holds("products", 8L)).isFalse();
		eventually().until(() -> !this.b.holds("products", 8L));
		assertThat(service(this.b).find(8L)).isEqualTo("renamed");
		assertThat(this.channel.takeMessagesFor("products")).singleElement()
			.satisfies((message) -> assertThat(message.get("keys")).asList().containsExactly("8"));
	}

	@Test
	void checkedExceptionThatRollsBackInvalidatesNothing() {
		readOnBoth(20L);
		assertThatExceptionOfType(Refused.class)
			.isThrownBy(() -> service(this.a).renameThenFailCheckedRollingBack(20L, "renamed"));
		this.a.drainTo(this.b);
		assertThat(service(this.a).nameInDatabase(20L)).isEqualTo("product-20");
		assertThat(this.a.cached("products", 20L)).isEqualTo("product-20");
		assertThat(this.b.cached("products", 20L)).isEqualTo("product-20");
		assertThat(this.channel.takeMessagesFor("products")).isEmpty();
	}

	@Test
	void checkedExceptionCaughtByTheCallerInvalidatesAtTheCallersCommit() {
		readOnBoth(21L);
		AtomicReference<Object> cachedBeforeCommit = new AtomicReference<>();
		transactions(this.a).executeWithoutResult((status) -> {
			assertThatExceptionOfType(Refused.class)
				.isThrownBy(() -> service(this.a).renameThenFailChecked(21L, "renamed"));
			this.a.drainTo(this.b);
			cachedBeforeCommit.set(findOnB(21L));
		});
		assertThat(cachedBeforeCommit).as("not invalidated before the commit").hasValue("product-21");
		eventually().until(() -> !this.b.holds("products", 21L));
		assertThat(service(this.b).find(21L)).isEqualTo("renamed");
	}

	@Test
	void checkedExceptionInACallerTransactionThatRollsBackInvalidatesNothing() {
		readOnBoth(22L);
		transactions(this.a).executeWithoutResult((status) -> {
			assertThatExceptionOfType(Refused.class)
				.isThrownBy(() -> service(this.a).renameThenFailChecked(22L, "renamed"));
			status.setRollbackOnly();
		});
		this.a.drainTo(this.b);
		assertThat(service(this.a).nameInDatabase(22L)).isEqualTo("product-22");
		assertThat(this.b.cached("products", 22L)).isEqualTo("product-22");
		assertThat(this.channel.takeMessagesFor("products")).isEmpty();
	}

	@Test
	void readerReloadingBetweenWriteAndCommitDoesNotKeepTheOldValue() throws Exception {
		CountDownLatch written = new CountDownLatch(1);
		CountDownLatch reloaded = new CountDownLatch(1);
		service(this.a).beforeCommit(() -> {
			written.countDown();
			awaitLatch(reloaded);
		});
		CompletableFuture<Void> write = CompletableFuture.runAsync(() -> service(this.a).rename(3L, "renamed"));
		awaitLatch(written);
		// The method has returned, the commit has not happened: whatever A sent so far has reached B, and B,
		// missing, reloads the committed, old row.
		this.a.drainTo(this.b);
		assertThat(service(this.b).find(3L)).isEqualTo("product-3");
		assertThat(this.b.cached("products", 3L)).isEqualTo("product-3");
		reloaded.countDown();
		write.get(10, TimeUnit.SECONDS);
		eventually().until(() -> !this.b.holds("products", 3L));
		assertThat(service(this.b).find(3L)).isEqualTo("renamed");
	}

	@Test
	void invalidatingInsideTheTransactionLetsAReaderKeepTheOldValue() throws Exception {
		// The control for the test above: an invalidation sent before the commit is applied on B, B reloads the old
		// row, and nothing corrects it. This is what @CacheInvalidate's after-commit default prevents.
		CountDownLatch written = new CountDownLatch(1);
		CountDownLatch reloaded = new CountDownLatch(1);
		service(this.a).beforeCommit(() -> {
			written.countDown();
			awaitLatch(reloaded);
		});
		CompletableFuture<Void> write = CompletableFuture
			.runAsync(() -> service(this.a).renameInvalidatingBeforeCommit(4L, "renamed"));
		awaitLatch(written);
		this.a.drainTo(this.b);
		assertThat(service(this.b).find(4L)).isEqualTo("product-4");
		reloaded.countDown();
		write.get(10, TimeUnit.SECONDS);
		this.a.drainTo(this.b);
		assertThat(service(this.a).nameInDatabase(4L)).isEqualTo("renamed");
		assertThat(this.b.cached("products", 4L)).as("stale until its TTL").isEqualTo("product-4");
	}

	@Test
	void everyInvalidationOfATransactionIsDeferredToItsCommitAndSentInOneMessage() {
		for (long id = 5; id <= 8; id++) {
			readOnBoth(id);
		}
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).rename(5L, "renamed");
			service(this.a).rename(6L, "renamed");
			service(this.a).renameAll(List.of(7L, 8L), "renamed");
			assertThat(this.a.cached("products", 5L)).as("deferred, also locally").isEqualTo("product-5");
			assertThat(this.a.cached("products", 8L)).isEqualTo("product-8");
		});
		for (long id = 5; id <= 8; id++) {
			assertThat(this.a.holds("products", id)).isFalse();
		}
		eventually().until(() -> !this.b.holds("products", 5L) && !this.b.holds("products", 6L)
				&& !this.b.holds("products", 7L) && !this.b.holds("products", 8L));
		assertThat(this.channel.takeMessagesFor("products")).singleElement()
			.satisfies((message) -> assertThat(message.get("keys")).asList().containsExactly("5", "6", "7", "8"));
		assertThat(service(this.b).find(7L)).isEqualTo("renamed");
	}

	@Test
	void bulkKeysTravelInOneMessage() {
		for (long id = 9; id <= 12; id++) {
			readOnBoth(id);
		}
		service(this.a).renameAll(List.of(9L, 10L, 11L, 12L), "bulk");
		eventually().until(() -> !this.b.holds("products", 9L) && !this.b.holds("products", 10L)
				&& !this.b.holds("products", 11L) && !this.b.holds("products", 12L));
		assertThat(this.channel.takeMessagesFor("products")).singleElement()
			.satisfies((message) -> assertThat(message.get("keys")).asList().containsExactly("9", "10", "11", "12"));
	}

	@Test
	void rollbackOfAnOuterTransactionInvalidatesNothing() {
		readOnBoth(13L);
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).rename(13L, "renamed");
			status.setRollbackOnly();
		});
		this.a.drainTo(this.b);
		assertThat(service(this.a).nameInDatabase(13L)).isEqualTo("product-13");
		assertThat(this.a.cached("products", 13L)).isEqualTo("product-13");
		assertThat(this.b.cached("products", 13L)).isEqualTo("product-13");
		assertThat(this.channel.takeMessagesFor("products")).isEmpty();
	}

	@Test
	void immediatelyInvalidatesAtReturnAndAgainAfterCommit() {
		readOnBoth(14L);
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).renameImmediately(14L, "renamed");
			assertThat(this.a.holds("products", 14L)).isFalse();
			assertThat(service(this.a).find(14L)).as("the transaction reads its own write").isEqualTo("renamed");
			eventually().until(() -> !this.b.holds("products", 14L));
			assertThat(findOnB(14L)).as("B reloads before the commit").isEqualTo("product-14");
		});
		eventually().until(() -> !this.b.holds("products", 14L));
		assertThat(service(this.b).find(14L)).isEqualTo("renamed");
	}

	@Test
	void beforeInvocationInsideATransactionInvalidatesBeforeTheCallAndAgainWhenItCompletes() {
		readOnBoth(15L);
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).renameInvalidatingFirst(15L, "renamed");
			assertThat(this.a.holds("products", 15L)).isFalse();
			eventually().until(() -> !this.b.holds("products", 15L));
			assertThat(findOnB(15L)).isEqualTo("product-15");
		});
		eventually().until(() -> !this.b.holds("products", 15L));
		assertThat(service(this.b).find(15L)).isEqualTo("renamed");
		assertThat(this.channel.takeMessagesFor("products")).as("before the call, at completion").hasSize(2);
	}

	@Test
	void beforeInvocationOnATransactionalMethodInvalidatesAgainAfterItsCommit() throws Exception {
		readOnBoth(18L);
		CountDownLatch written = new CountDownLatch(1);
		CountDownLatch reloaded = new CountDownLatch(1);
		service(this.a).beforeCommit(() -> {
			written.countDown();
			awaitLatch(reloaded);
		});
		CompletableFuture<Void> write = CompletableFuture
			.runAsync(() -> service(this.a).renameInvalidatingFirst(18L, "renamed"));
		awaitLatch(written);
		this.a.drainTo(this.b);
		assertThat(this.b.holds("products", 18L)).as("invalidated before the call").isFalse();
		assertThat(service(this.b).find(18L)).as("reloaded before the commit").isEqualTo("product-18");
		reloaded.countDown();
		write.get(10, TimeUnit.SECONDS);
		eventually().until(() -> !this.b.holds("products", 18L));
		assertThat(service(this.b).find(18L)).isEqualTo("renamed");
	}

	@Test
	void requiresNewMethodInvalidatesAtItsOwnCommitEvenIfTheCallerRollsBack() {
		readOnBoth(19L);
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).renameInNewTransaction(19L, "renamed");
			assertThat(this.a.holds("products", 19L)).as("its own transaction has committed").isFalse();
			eventually().until(() -> !this.b.holds("products", 19L));
			status.setRollbackOnly();
		});
		assertThat(service(this.a).nameInDatabase(19L)).isEqualTo("renamed");
		assertThat(findOnB(19L)).isEqualTo("renamed");
		assertThat(service(this.a).find(19L)).isEqualTo("renamed");
	}

	@Test
	void springCacheEvictThroughTransactionAwareDecoratorBroadcastsAfterCommit() {
		readOnBoth(16L);
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).renameWithCacheEvict(16L, "renamed");
			assertThat(this.a.cached("products", 16L)).as("deferred by the decorator").isEqualTo("product-16");
		});
		assertThat(this.a.holds("products", 16L)).isFalse();
		eventually().until(() -> !this.b.holds("products", 16L));
		assertThat(service(this.b).find(16L)).isEqualTo("renamed");
	}

	@Test
	void springCachePutThroughTransactionAwareDecoratorInvalidatesOtherInstancesAfterCommit() {
		readOnBoth(17L);
		transactions(this.a).executeWithoutResult((status) -> {
			service(this.a).renameWithCachePut(17L, "put");
			assertThat(this.a.cached("products", 17L)).as("deferred by the decorator").isEqualTo("product-17");
		});
		assertThat(this.a.cached("products", 17L)).isEqualTo("put");
		eventually().until(() -> !this.b.holds("products", 17L));
		assertThat(service(this.b).find(17L)).isEqualTo("put");
	}

	private void readOnBoth(Long id) {
		for (AppInstance instance : List.of(this.a, this.b)) {
			assertThat(service(instance).find(id)).isEqualTo("product-" + id);
			assertThat(instance.holds("products", id)).isTrue();
		}
	}

	/**
	 * Read on instance B from another thread, as a request on B would: the calling thread may be inside a
	 * transaction of A, whose synchronization B's transaction-aware caches would otherwise join.
	 */
	private String findOnB(Long id) {
		return CompletableFuture.supplyAsync(() -> service(this.b).find(id)).join();
	}

	AppInstance instanceA() {
		return this.a;
	}

	private static ProductService service(AppInstance instance) {
		return instance.bean(ProductService.class);
	}

	private static TransactionTemplate transactions(AppInstance instance) {
		return instance.bean(TransactionTemplate.class);
	}

	private static void awaitLatch(CountDownLatch latch) {
		try {
			if (!latch.await(10, TimeUnit.SECONDS)) {
				throw new IllegalStateException("latch not released within 10 s");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
