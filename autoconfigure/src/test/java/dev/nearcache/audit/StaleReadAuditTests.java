package dev.nearcache.audit;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.nearcache.actuate.CacheDescriptor;
import dev.nearcache.actuate.NearCacheEndpoint;
import dev.nearcache.cache.AuditResult;
import dev.nearcache.cache.AuditStatistics.ConfirmedMismatch;
import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/**
 * The stale-read audit between two independent application contexts on one real Redis server: a write that
 * bypasses nearcache is reported, a write through {@code @CacheInvalidate} racing the audit never is, {@code evict}
 * mode evicts only here, and the audit's budget never makes a caller wait.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaleReadAuditTests {

	private static final Duration DEADLINE = Duration.ofSeconds(15);

	private AuditInstance a;

	private AuditInstance b;

	@BeforeAll
	void startInstances(RedisServerProcess redis) {
		AuditTestApplication.database = new ConcurrentHashMap<>();
		this.a = AuditInstance.start(redis.port());
		this.b = AuditInstance.start(redis.port(), "nearcache.audit.threads=1", "nearcache.audit.queue-capacity=2");
		await().atMost(DEADLINE).until(() -> this.a.subscribed() && this.b.subscribed());
	}

	@AfterAll
	void stopInstances() {
		AuditTestApplication.slowGate.countDown();
		this.a.close();
		this.b.close();
	}

	@BeforeEach
	void resetData() {
		await().atMost(DEADLINE).until(() -> this.a.auditIdle() && this.b.auditIdle());
		for (AuditInstance instance : List.of(this.a, this.b)) {
			instance.context.getBean(NearCacheManager.class).clearAllLocally();
		}
		AuditTestApplication.database.clear();
		for (long id = 1; id <= 20; id++) {
			AuditTestApplication.database.put(id, "product-" + id);
		}
	}

	@Test
	void writeThatBypassesNearcacheIsReportedAsConfirmedMismatch() {
		long before = this.b.samples("products", AuditResult.MISMATCH);
		this.a.catalog().find(1L);
		this.b.catalog().find(1L);
		AuditTestApplication.database.put(1L, "changed behind the cache");
		assertThat(this.b.catalog().find(1L)).isEqualTo("product-1"); // a hit: stale, sampled
		await().atMost(DEADLINE).until(() -> this.b.samples("products", AuditResult.MISMATCH) == before + 1);
		List<ConfirmedMismatch> recent = this.b.audit("products").recentMismatches();
		assertThat(recent.get(0).key()).isEqualTo("1");
		assertThat(this.b.holds("products", 1L)).as("report mode keeps the entry").isTrue();
		MeterRegistry registry = this.b.context.getBean(MeterRegistry.class);
		assertThat(registry.get("nearcache.audit.samples").tags("cache", "products", "result", "mismatch")
			.functionCounter()
			.count()).isEqualTo(before + 1);
		assertThat(registry.get("nearcache.audit.mismatch.age").tags("cache", "products").timer().count())
			.isEqualTo(before + 1);
		CacheDescriptor descriptor = new NearCacheEndpoint(this.b.context.getBean(NearCacheManager.class),
				this.b.context.getBean(InvalidationStatistics.class)).cache("products");
		assertThat(descriptor.audit().recentMismatches()).extracting(CacheDescriptor.Mismatch::key).contains("1");
	}

	@Test
	void hitsOfUnchangedDataMatch() {
		long matches = this.b.samples("products", AuditResult.MATCH);
		long mismatches = this.b.samples("products", AuditResult.MISMATCH);
		this.b.catalog().find(2L);
		this.b.catalog().find(2L);
		await().atMost(DEADLINE).until(() -> this.b.samples("products", AuditResult.MATCH) == matches + 1);
		assertThat(this.b.samples("products", AuditResult.MISMATCH)).isEqualTo(mismatches);
	}

	@Test
	void syncHitsAreAudited() {
		long before = this.b.samples("syncProducts", AuditResult.MISMATCH);
		this.b.catalog().findSync(3L);
		AuditTestApplication.database.put(3L, "changed behind the cache");
		this.b.catalog().findSync(3L);
		await().atMost(DEADLINE).until(() -> this.b.samples("syncProducts", AuditResult.MISMATCH) == before + 1);
	}

	@Test
	void evictModeEvictsOnlyOnThisInstance() {
		this.a.catalog().findEvicting(4L);
		this.b.catalog().findEvicting(4L);
		long remoteBefore = this.a.cache("evicting").getStatistics().remoteInvalidations();
		AuditTestApplication.database.put(4L, "changed behind the cache");
		this.b.catalog().findEvicting(4L);
		await().atMost(DEADLINE).until(() -> this.b.samples("evicting", AuditResult.MISMATCH) == 1);
		assertThat(this.b.holds("evicting", 4L)).isFalse();
		assertThat(this.b.catalog().findEvicting(4L)).isEqualTo("changed behind the cache");
		// Nothing was published: the other instance keeps its (stale) entry until its own audit or TTL.
		await().during(Duration.ofMillis(500)).atMost(DEADLINE).until(() -> this.a.holds("evicting", 4L));
		assertThat(this.a.cache("evicting").getStatistics().remoteInvalidations()).isEqualTo(remoteBefore);
	}

	@Test
	void optedOutAndUnauditedMethodsAreNeverInvokedAgain() {
		this.b.catalog().findOptedOut(5L);
		this.b.catalog().findNotAudited(5L);
		for (int i = 0; i < 20; i++) {
			this.b.catalog().findOptedOut(5L);
			this.b.catalog().findNotAudited(5L);
		}
		await().atMost(DEADLINE).until(this.b::auditIdle);
		assertThat(this.b.catalog().optedOutCalls()).isEqualTo(1);
		assertThat(this.b.samples("optedOut")).isZero();
		assertThat(this.b.samples("notAudited")).isZero();
	}

	@Test
	void degradedCacheIsNotAudited() {
		this.b.catalog().find(6L);
		long skipped = this.b.samples("products", AuditResult.SKIPPED);
		long audited = this.b.samples("products") - skipped;
		this.b.cache("products").degrade(DegradedMode.SERVE_STALE, Duration.ofSeconds(5));
		try {
			AuditTestApplication.database.put(6L, "changed while degraded");
			this.b.catalog().find(6L);
			assertThat(this.b.samples("products", AuditResult.SKIPPED)).isEqualTo(skipped + 1);
			assertThat(this.b.samples("products") - this.b.samples("products", AuditResult.SKIPPED))
				.isEqualTo(audited);
		}
		finally {
			this.b.cache("products").restore();
		}
	}

	@Test
	void slowMethodAtSampleRateOneNeverDelaysTheCallerAndSkipsSamples() throws InterruptedException {
		this.b.catalog().findSlowly(7L);
		long skipped = this.b.samples("slow", AuditResult.SKIPPED);
		CountDownLatch gate = new CountDownLatch(1);
		AuditTestApplication.slowGate = gate;
		try {
			// One audit thread and a queue of two (instance b): the first samples block in the method, the rest
			// must be skipped at once. A caller that waited for the audit would not finish before the gate opens.
			assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
				for (int i = 0; i < 50; i++) {
					assertThat(this.b.catalog().findSlowly(7L)).isEqualTo("product-7");
				}
			});
			assertThat(this.b.samples("slow", AuditResult.SKIPPED) - skipped).isGreaterThanOrEqualTo(47);
		}
		finally {
			gate.countDown();
			AuditTestApplication.slowGate = new CountDownLatch(0);
		}
		await().atMost(DEADLINE).until(this.b::auditIdle);
	}

	/**
	 * Writes through {@code @CacheInvalidate} on one instance race reads on the other, which audits every hit: the
	 * audit sees fresh values differ from cached ones all the time, and must confirm none of them.
	 */
	@ParameterizedTest
	@ValueSource(longs = { 1, 2, 3 })
	void invalidatedWritesRacingTheAuditAreNeverReported(long seed) throws Exception {
		Random random = new Random(seed);
		long mismatchesBefore = this.a.samples("products", AuditResult.MISMATCH)
				+ this.b.samples("products", AuditResult.MISMATCH);
		long unconfirmedBefore = this.b.samples("products", AuditResult.UNCONFIRMED);
		AtomicBoolean writing = new AtomicBoolean(true);
		Thread reader = new Thread(() -> {
			Random keys = new Random(seed + 1000);
			while (writing.get()) {
				this.b.catalog().find(1L + keys.nextInt(3));
				this.a.catalog().find(1L + keys.nextInt(3));
				LockSupport.parkNanos(keys.nextInt(300_000));
			}
		});
		reader.start();
		try {
			for (int i = 0; i < 300; i++) {
				long id = 1L + random.nextInt(3);
				this.a.catalog().rename(id, "name-" + seed + "-" + i);
				LockSupport.parkNanos(random.nextInt(3_000_000));
			}
		}
		finally {
			writing.set(false);
			reader.join(TimeUnit.SECONDS.toMillis(10));
		}
		await().atMost(DEADLINE).until(() -> this.a.auditIdle() && this.b.auditIdle());
		long falsePositives = this.a.samples("products", AuditResult.MISMATCH)
				+ this.b.samples("products", AuditResult.MISMATCH) - mismatchesBefore;
		long unconfirmed = this.b.samples("products", AuditResult.UNCONFIRMED) - unconfirmedBefore;
		System.out.printf("audit race seed %d: false positives %d, differences resolved by invalidations %d, "
				+ "samples on b %s%n", seed, falsePositives, unconfirmed, summary(this.b));
		assertThat(falsePositives).isZero();
		assertThat(unconfirmed).as("the race produced differences for the audit to dismiss").isPositive();
	}

	private static String summary(AuditInstance instance) {
		StringBuilder summary = new StringBuilder();
		for (AuditResult result : AuditResult.values()) {
			summary.append(result.tag()).append('=').append(instance.samples("products", result)).append(' ');
		}
		return summary.toString().trim();
	}

}
