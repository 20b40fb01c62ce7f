package dev.nearcache.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.nearcache.invalidation.DropReason;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three independent application contexts on one real Redis server stay coherent.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiInstanceCoherenceTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private RedisServerProcess redis;

	private Instance a;

	private Instance b;

	private Instance c;

	private RedisClient rawClient;

	private StatefulRedisConnection<String, String> raw;

	@BeforeAll
	void startInstances(RedisServerProcess redis) {
		this.redis = redis;
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		this.a = Instance.start(redis.port());
		this.b = Instance.start(redis.port());
		this.c = Instance.start(redis.port());
		await().atMost(DEADLINE).until(() -> all(Instance::subscribed));
		this.rawClient = RedisClient.create(redis.redisUri());
		this.raw = this.rawClient.connect();
	}

	@AfterAll
	void stopInstances() {
		this.raw.close();
		this.rawClient.shutdown();
		this.a.close();
		this.b.close();
		this.c.close();
	}

	@BeforeEach
	void resetData() {
		for (Instance instance : List.of(this.a, this.b, this.c)) {
			instance.cacheManager().clearAllLocally();
		}
		CatalogTestApplication.database.clear();
		for (long id = 1; id <= 50; id++) {
			CatalogTestApplication.database.put(id, "product-" + id);
		}
	}

	@Test
	void evictOnOneInstanceIsAppliedOnAllOthers() {
		readEverywhere(1L);
		this.a.service().delete(1L);
		assertThat(this.a.holds("products", 1L)).as("writer reads its own write").isFalse();
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 1L) && !this.c.holds("products", 1L));
		assertThat(this.b.service().find(1L)).isNull();
	}

	@Test
	void clearOnOneInstanceIsAppliedOnAllOthers() {
		readEverywhere(1L);
		readEverywhere(2L);
		this.b.service().deleteAll();
		assertThat(this.b.cache("products").getNativeCache().estimatedSize()).isZero();
		await().atMost(DEADLINE)
			.until(() -> !this.a.holds("products", 1L) && !this.a.holds("products", 2L)
					&& !this.c.holds("products", 1L) && !this.c.holds("products", 2L));
	}

	@Test
	void cachePutWriteInvalidatesOtherInstancesCopies() {
		readEverywhere(3L);
		this.a.service().rename(3L, "renamed");
		assertThat(this.a.cache("products").get(3L).get()).isEqualTo("renamed");
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 3L) && !this.c.holds("products", 3L));
		assertThat(this.b.service().find(3L)).isEqualTo("renamed");
		assertThat(this.c.service().find(3L)).isEqualTo("renamed");
	}

	@Test
	void ownMessagesAreSkippedNotApplied() {
		long skippedBefore = this.a.statistics().selfSkipped();
		long appliedOnB = this.b.statistics().applied();
		this.a.service().delete(4L);
		// The writer fills again at once; its own echo must not evict the fresh entry.
		CatalogTestApplication.database.put(4L, "back");
		this.a.service().find(4L);
		await().atMost(DEADLINE).until(() -> this.a.statistics().selfSkipped() > skippedBefore
				&& this.b.statistics().applied() > appliedOnB);
		assertThat(this.a.holds("products", 4L)).isTrue();
	}

	@Test
	void missFillsAreNotBroadcast() {
		long published = publishedEverywhere();
		readEverywhere(5L);
		readEverywhere(6L);
		this.a.service().find(7L);
		this.b.service().find(7L);
		assertThat(this.a.holds("products", 7L) && this.b.holds("products", 7L)).isTrue();
		// A broadcast fill would be published (counted) and would evict the other instance's copy.
		assertThat(publishedEverywhere()).isEqualTo(published);
		this.c.service().delete(99L);
		await().atMost(DEADLINE).until(() -> this.a.statistics().applied() > 0 && !this.a.holds("products", 99L));
		assertThat(this.a.holds("products", 7L) && this.b.holds("products", 7L)).isTrue();
	}

	@Test
	void asyncCacheableMissIsNotBroadcast() {
		long published = publishedEverywhere();
		int loads = this.a.service().asyncLoads();
		assertThat(this.a.service().findAsync(8L).join()).isEqualTo("product-8");
		assertThat(this.b.service().findAsync(8L).join()).isEqualTo("product-8");
		assertThat(this.a.service().findAsync(8L).join()).isEqualTo("product-8");
		assertThat(this.a.service().asyncLoads()).isEqualTo(loads + 1);
		assertThat(this.a.holds("async", 8L) && this.b.holds("async", 8L)).isTrue();
		assertThat(publishedEverywhere()).isEqualTo(published);
	}

	@Test
	void stringKeyFromProgrammaticApiEvictsLongKeyElsewhere() {
		readEverywhere(42L);
		this.a.invalidator().invalidate("products", "42");
		assertThat(this.a.holds("products", 42L)).isFalse();
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 42L) && !this.c.holds("products", 42L));
	}

	@Test
	void bulkInvalidationTravelsInOneMessage() {
		readEverywhere(10L);
		readEverywhere(11L);
		readEverywhere(12L);
		long applied = this.b.statistics().applied();
		this.c.invalidator().invalidateAll("products", List.of(10L, 11L, 12L));
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 10L) && !this.b.holds("products", 11L)
				&& !this.b.holds("products", 12L) && !this.a.holds("products", 12L));
		assertThat(this.b.statistics().applied() - applied).isEqualTo(1);
	}

	@Test
	void invalidationLargerThanTheMessageLimitIsSplitAndFullyApplied() {
		List<String> keys = new java.util.ArrayList<>();
		for (int i = 0; i < 4000; i++) {
			keys.add("sku-" + "x".repeat(20) + "-" + i);
		}
		keys.forEach((key) -> this.b.cache("bulk").put(key, "v"));
		long applied = this.b.statistics().applied();
		long oversized = this.b.statistics().dropped(DropReason.OVERSIZED);
		// Each key is ~30 bytes on the wire: 4,000 of them exceed the 64 KiB limit of one message.
		this.a.invalidator().invalidateAll("bulk", keys);
		await().atMost(DEADLINE).until(() -> this.b.cache("bulk").getNativeCache().estimatedSize() == 0);
		assertThat(this.b.statistics().applied() - applied).isGreaterThan(1);
		assertThat(this.b.statistics().dropped(DropReason.OVERSIZED)).isEqualTo(oversized);
	}

	@Test
	void malformedAndOversizedMessagesAreDroppedAndValidOnesStillApplied() {
		readEverywhere(20L);
		String channel = this.a.statistics().channel();
		long malformed = this.b.statistics().dropped(DropReason.MALFORMED);
		long oversized = this.b.statistics().dropped(DropReason.OVERSIZED);
		long unknownType = this.b.statistics().dropped(DropReason.UNKNOWN_TYPE);
		long missing = this.b.statistics().dropped(DropReason.MISSING_FIELD);
		long version = this.b.statistics().dropped(DropReason.UNSUPPORTED_VERSION);
		this.raw.sync().publish(channel, "not json at all");
		this.raw.sync().publish(channel, "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":[\""
				+ "x".repeat(70 * 1024) + "\"]}");
		this.raw.sync().publish(channel, "{\"v\":1,\"type\":\"explode\"}");
		this.raw.sync().publish(channel, "{\"type\":\"clear\"}");
		this.raw.sync().publish(channel, "{\"v\":2,\"type\":\"clear\"}");
		this.raw.sync().publish(channel, "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":[\"20\"]}");
		await().atMost(DEADLINE).until(() -> !this.a.holds("products", 20L) && !this.b.holds("products", 20L)
				&& !this.c.holds("products", 20L));
		assertThat(this.b.statistics().dropped(DropReason.MALFORMED)).isEqualTo(malformed + 1);
		assertThat(this.b.statistics().dropped(DropReason.OVERSIZED)).isEqualTo(oversized + 1);
		assertThat(this.b.statistics().dropped(DropReason.UNKNOWN_TYPE)).isEqualTo(unknownType + 1);
		assertThat(this.b.statistics().dropped(DropReason.MISSING_FIELD)).isEqualTo(missing + 1);
		assertThat(this.b.statistics().dropped(DropReason.UNSUPPORTED_VERSION)).isEqualTo(version + 1);
		assertThat(this.b.subscribed()).isTrue();
	}

	@Test
	void messageForCacheUnknownHereCreatesNoCache() {
		String channel = this.a.statistics().channel();
		long applied = this.b.statistics().applied();
		this.raw.sync().publish(channel, "{\"v\":1,\"type\":\"invalidate\",\"cache\":\"attacker-made\",\"keys\":[\"1\"]}");
		await().atMost(DEADLINE).until(() -> this.b.statistics().applied() > applied);
		assertThat(this.b.cacheManager().getCacheNames()).doesNotContain("attacker-made");
	}

	@Test
	void foreignPublisherWithoutOriginSeqOrTimestampIsApplied() {
		readEverywhere(21L);
		byte[] message = "{\"v\":1,\"type\":\"clear\",\"cache\":\"products\"}".getBytes(StandardCharsets.UTF_8);
		this.raw.sync().publish(this.a.statistics().channel(), new String(message, StandardCharsets.UTF_8));
		await().atMost(DEADLINE).until(() -> !this.a.holds("products", 21L) && !this.b.holds("products", 21L)
				&& !this.c.holds("products", 21L));
	}

	private void readEverywhere(Long id) {
		for (Instance instance : List.of(this.a, this.b, this.c)) {
			instance.service().find(id);
			assertThat(instance.holds("products", id)).isTrue();
		}
	}

	private long publishedEverywhere() {
		return this.a.statistics().published() + this.b.statistics().published() + this.c.statistics().published();
	}

	private boolean all(Predicate<Instance> condition) {
		return condition.test(this.a) && condition.test(this.b) && condition.test(this.c);
	}

}
