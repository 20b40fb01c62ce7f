package dev.nearcache.annotation;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

import org.springframework.cache.interceptor.SimpleKey;

import dev.nearcache.annotation.KeyCatalogApplication.AuditLog;
import dev.nearcache.annotation.KeyCatalogApplication.Inventory;
import dev.nearcache.annotation.KeyCatalogApplication.Product;
import dev.nearcache.annotation.KeyCatalogApplication.Reads;
import dev.nearcache.annotation.KeyCatalogApplication.Writes;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static dev.nearcache.annotation.AppInstance.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Every way {@code @CacheInvalidate} computes keys evicts exactly what {@code @Cacheable} stored, on the writing
 * instance and on another one; plus conditions, meta-annotations, failures and asynchronous results.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheInvalidateKeyTests {

	private AppInstance a;

	private AppInstance b;

	@BeforeAll
	void startInstances(RedisServerProcess redis) {
		this.a = AppInstance.start(KeyCatalogApplication.class, redis.port(), "spring.application.name=invalidate-keys");
		this.b = AppInstance.start(KeyCatalogApplication.class, redis.port(), "spring.application.name=invalidate-keys");
		eventually().until(() -> this.a.subscribed() && this.b.subscribed());
	}

	@AfterAll
	void stopInstances() {
		this.a.close();
		this.b.close();
	}

	@BeforeEach
	void reset() {
		this.a.drainTo(this.b);
		this.a.clearLocally();
		this.b.clearLocally();
		KeyCatalogApplication.rows.clear();
		for (long id = 1; id <= 30; id++) {
			KeyCatalogApplication.rows.put(id, "product-" + id);
			KeyCatalogApplication.rows.put(id + "/eu", "eu-price-" + id);
			KeyCatalogApplication.rows.put(id + "/us", "us-price-" + id);
		}
		KeyCatalogApplication.rows.put("sku-1@north", "7 in stock");
	}

	@Test
	void defaultKeyGeneratorMatchesCacheableWithTheSameParameters() {
		readProductOnBoth(1L);
		writes().discontinue(1L);
		assertEvictedEverywhere("products", 1L);
	}

	@Test
	void defaultKeyDoesNotMatchWhenTheParametersDiffer() {
		readProductOnBoth(2L);
		writes().renameWithDefaultKey(2L, "renamed");
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 2L)).as("SimpleKey(2, renamed) is not 2").isTrue();
		assertThat(this.b.holds("products", 2L)).isTrue();
	}

	@Test
	void explicitKeyOnAnArgumentsProperty() {
		readProductOnBoth(3L);
		writes().save(new Product(3L, "renamed"));
		assertEvictedEverywhere("products", 3L);
	}

	@Test
	void explicitKeyByParameterIndex() {
		readProductOnBoth(4L);
		writes().saveById(4L, "renamed");
		assertEvictedEverywhere("products", 4L);
	}

	@Test
	void explicitKeyFromTheResult() {
		KeyCatalogApplication.rows.put(100L, "created");
		readProductOnBoth(100L);
		writes().create("created");
		assertEvictedEverywhere("products", 100L);
	}

	@Test
	void multiArgumentKeyIsTheSameSimpleKeyAsCacheables() {
		for (AppInstance instance : both()) {
			reads(instance).price(5L, "eu");
			reads(instance).price(5L, "us");
		}
		writes().reprice(5L, "eu");
		assertEvictedEverywhere("prices", new SimpleKey(5L, "eu"));
		writes().repriceExplicitly("us", 5L);
		assertEvictedEverywhere("prices", new SimpleKey(5L, "us"));
	}

	@Test
	void multiArgumentKeyLeavesOtherCombinationsAlone() {
		for (AppInstance instance : both()) {
			reads(instance).price(6L, "eu");
			reads(instance).price(6L, "us");
		}
		writes().reprice(6L, "eu");
		this.a.drainTo(this.b);
		assertThat(this.a.holds("prices", new SimpleKey(6L, "us"))).isTrue();
		assertThat(this.b.holds("prices", new SimpleKey(6L, "us"))).isTrue();
		assertThat(this.b.holds("prices", new SimpleKey(6L, "eu"))).isFalse();
	}

	@Test
	void customKeyGeneratorBeanNamedByKeyGenerator() {
		for (AppInstance instance : both()) {
			assertThat(reads(instance).stock("sku-1", "north")).isEqualTo("7 in stock");
			assertThat(instance.holds("stock", "SKU-1@north")).isTrue();
		}
		writes().restock("sku-1", "north");
		assertEvictedEverywhere("stock", "SKU-1@north");
	}

	@Test
	void keysEvictsEveryElementOfACollectionOrAProjection() {
		for (long id = 7; id <= 10; id++) {
			readProductOnBoth(id);
		}
		writes().discontinueAll(List.of(7L, 8L));
		writes().saveAll(new Product[] { new Product(9L, "a"), new Product(10L, "b") });
		for (long id = 7; id <= 10; id++) {
			assertEvictedEverywhere("products", id);
		}
	}

	@Test
	void conditionIsEvaluatedBeforeTheCall() {
		readProductOnBoth(11L);
		writes().touch(11L, false);
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 11L) && this.b.holds("products", 11L)).isTrue();
		writes().touch(11L, true);
		assertEvictedEverywhere("products", 11L);
	}

	@Test
	void unlessVetoesOnTheResult() {
		readProductOnBoth(12L);
		writes().update(12L, false);
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 12L) && this.b.holds("products", 12L)).isTrue();
		writes().update(12L, true);
		assertEvictedEverywhere("products", 12L);
	}

	@Test
	void metaAnnotationWithAnAliasedKey() {
		readProductOnBoth(13L);
		writes().archive(13L);
		assertEvictedEverywhere("products", 13L);
	}

	@Test
	void repeatedAnnotationsIncludingAllEntries() {
		readProductOnBoth(14L);
		for (AppInstance instance : both()) {
			reads(instance).price(14L, "eu");
			reads(instance).price(15L, "us");
		}
		writes().delete(14L);
		assertEvictedEverywhere("products", 14L);
		assertEvictedEverywhere("prices", new SimpleKey(14L, "eu"));
		assertEvictedEverywhere("prices", new SimpleKey(15L, "us"));
	}

	@Test
	void annotationOnAnInterfaceMethodApplies() {
		for (AppInstance instance : both()) {
			reads(instance).stock("sku-1", "north");
		}
		this.a.bean(Inventory.class).recount();
		assertEvictedEverywhere("stock", "SKU-1@north");
	}

	@Test
	void annotationOnAClassAppliesToItsPublicMethods() {
		readProductOnBoth(16L);
		this.a.bean(AuditLog.class).corrected(16L);
		assertEvictedEverywhere("products", 16L);
	}

	@Test
	void methodThatThrowsInvalidatesNothing() {
		readProductOnBoth(17L);
		assertThatIllegalStateException().isThrownBy(() -> writes().failingUpdate(17L)).withMessage("update failed");
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 17L) && this.b.holds("products", 17L)).isTrue();
	}

	@Test
	void beforeInvocationInvalidatesEvenWhenTheMethodThrows() {
		readProductOnBoth(18L);
		assertThatIllegalStateException().isThrownBy(() -> writes().failingDelete(18L)).withMessage("delete failed");
		assertEvictedEverywhere("products", 18L);
	}

	@Test
	void completableFutureInvalidatesWhenItCompletesSuccessfully() {
		readProductOnBoth(19L);
		CompletableFuture<String> outcome = new CompletableFuture<>();
		CompletableFuture<String> result = writes().updateAsync(19L, outcome);
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 19L) && this.b.holds("products", 19L)).as("not complete yet").isTrue();
		outcome.complete("done");
		assertThat(result.join()).isEqualTo("done");
		assertEvictedEverywhere("products", 19L);
	}

	@Test
	void completableFutureThatFailsInvalidatesNothing() {
		readProductOnBoth(20L);
		CompletableFuture<String> result = writes().updateAsync(20L,
				CompletableFuture.failedFuture(new IllegalStateException("async failure")));
		assertThat(result).isCompletedExceptionally();
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 20L) && this.b.holds("products", 20L)).isTrue();
	}

	@Test
	void completableFutureResultIsTheCompletedValue() {
		readProductOnBoth(21L);
		assertThat(writes().createAsync(CompletableFuture.supplyAsync(() -> 21L)).join()).isEqualTo(21L);
		assertEvictedEverywhere("products", 21L);
	}

	@Test
	void monoInvalidatesOnSuccessWithItsValueAsResult() {
		readProductOnBoth(22L);
		Mono<Long> result = writes().updateReactive(Mono.just(22L));
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 22L)).as("not subscribed yet").isTrue();
		assertThat(result.block()).isEqualTo(22L);
		assertEvictedEverywhere("products", 22L);
	}

	@Test
	void monoThatFailsInvalidatesNothing() {
		readProductOnBoth(23L);
		Mono<Long> result = writes().updateReactive(Mono.error(new IllegalStateException("reactive failure")));
		assertThatIllegalStateException().isThrownBy(result::block).withMessage("reactive failure");
		this.a.drainTo(this.b);
		assertThat(this.a.holds("products", 23L) && this.b.holds("products", 23L)).isTrue();
	}

	@Test
	void fluxInvalidatesOnCompletion() {
		readProductOnBoth(24L);
		readProductOnBoth(25L);
		assertThat(writes().updateAllReactive(List.of(24L, 25L)).collectList().block()).containsExactly(24L, 25L);
		assertEvictedEverywhere("products", 24L);
		assertEvictedEverywhere("products", 25L);
	}

	@Test
	void expressionErrorNamesTheMethodAndTheExpression() {
		assertThatExceptionOfType(CacheInvalidateException.class).isThrownBy(() -> writes().brokenExpression(1L))
			.withMessageContaining("@CacheInvalidate on KeyCatalogApplication.Writes.brokenExpression(Long)")
			.withMessageContaining("key = \"#unknown.id\"");
	}

	@Test
	void nullKeyNamesTheMethodAndTheExpression() {
		assertThatExceptionOfType(CacheInvalidateException.class).isThrownBy(() -> writes().nullKey(null))
			.withMessageContaining("@CacheInvalidate on KeyCatalogApplication.Writes.nullKey(Long)")
			.withMessageContaining("key = \"#id\" gave a null key");
	}

	@Test
	void resultOfAFluxIsNotAvailable() {
		assertThatExceptionOfType(CacheInvalidateException.class).isThrownBy(() -> writes().resultOfFlux().blockLast())
			.withMessageContaining("resultOfFlux()")
			.withMessageContaining("keys = \"#result\"")
			.withMessageContaining("#result is not available for a Flux result");
	}

	private void readProductOnBoth(Long id) {
		for (AppInstance instance : both()) {
			assertThat(reads(instance).product(id)).isNotNull();
			assertThat(instance.holds("products", id)).isTrue();
		}
	}

	private void assertEvictedEverywhere(String cacheName, Object key) {
		assertThat(this.a.holds(cacheName, key)).as("evicted on the writer when the call returns").isFalse();
		eventually().until(() -> !this.b.holds(cacheName, key));
	}

	private List<AppInstance> both() {
		return List.of(this.a, this.b);
	}

	private Writes writes() {
		return this.a.bean(Writes.class);
	}

	private static Reads reads(AppInstance instance) {
		return instance.bean(Reads.class);
	}

}
