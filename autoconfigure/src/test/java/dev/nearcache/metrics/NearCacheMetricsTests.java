package dev.nearcache.metrics;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.cache.metrics.CacheMetricsRegistrar;
import org.springframework.context.ConfigurableApplicationContext;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.DropReason;
import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * nearcache's meters in a {@link SimpleMeterRegistry}, with Spring Boot's cache metrics active, on a real Redis.
 * Counters are shared by the tests of the class, so each asserts what its own actions added.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NearCacheMetricsTests {

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private static final String CHANNEL = "nearcache:metrics-test";

	private RedisServerProcess redis;

	private ConfigurableApplicationContext context;

	private MeterRegistry registry;

	private RedisClient rawClient;

	private StatefulRedisConnection<String, String> raw;

	@BeforeAll
	void start(RedisServerProcess redis) {
		this.redis = redis;
		this.context = new SpringApplicationBuilder(MetricsTestApplication.class).web(WebApplicationType.NONE)
			.properties("spring.application.name=metrics-test", "spring.main.banner-mode=off",
					"spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
					"spring.data.redis.timeout=2s", "spring.data.redis.connect-timeout=500ms",
					"nearcache.caches.products.ttl=10m", "nearcache.caches.shortnulls.null-ttl=100ms", "nearcache.invalidation.max-retry-interval=200ms",
					"nearcache.invalidation.publish-timeout=300ms")
			.run();
		this.registry = this.context.getBean(MeterRegistry.class);
		await().atMost(DEADLINE).until(() -> statistics().state() == TransportState.SUBSCRIBED);
		this.rawClient = RedisClient.create(redis.redisUri());
		this.raw = this.rawClient.connect();
	}

	@AfterAll
	void stop() {
		if (this.raw != null) {
			this.raw.close();
			this.rawClient.shutdown();
		}
		if (this.context != null) {
			this.context.close();
		}
	}

	@Test
	void startupCacheHasTheStandardCacheMetersOnce() {
		double hits = count("cache.gets", "cache", "products", "result", "hit");
		double misses = count("cache.gets", "cache", "products", "result", "miss");
		double puts = count("cache.puts", "cache", "products");

		service().find(1L);
		service().find(1L);
		service().find(1L);

		assertThat(count("cache.gets", "cache", "products", "result", "hit") - hits).isEqualTo(2);
		assertThat(count("cache.gets", "cache", "products", "result", "miss") - misses).isEqualTo(1);
		assertThat(count("cache.puts", "cache", "products") - puts).as("the @Cacheable fill").isPositive();
		assertThat(count("cache.puts", "cache", "products")).as("values loaded, as nearcache counts them")
			.isEqualTo(cacheManager().getCache("products").getStatistics().loads());
		assertThat(this.registry.get("cache.size").tag("cache", "products").gauge().value()).isPositive();
		assertThat(this.registry.get("cache.evictions").tag("cache", "products").functionCounter()).isNotNull();
		assertThat(this.registry.find("cache.gets").tag("cache", "products").meters())
			.as("one hit and one miss meter, not bound twice")
			.hasSize(2)
			.allSatisfy((meter) -> assertThat(meter.getId().getTags()).extracting("key")
				.containsExactlyInAnyOrder("cache", "cache.manager", "name", "result"));
		Meter.Id id = this.registry.get("cache.gets").tag("cache", "products").tag("result", "hit").meter().getId();
		assertThat(id.getTag("cache.manager")).isEqualTo("cacheManager");
		assertThat(id.getTag("name")).isEqualTo("products");
	}

	@Test
	void readOfACachedNullPastItsNullTtlIsAMiss() {
		await().atMost(DEADLINE).until(() -> statistics().state() == TransportState.SUBSCRIBED);
		NearCache cache = cacheManager().getCache("shortnulls");
		cache.put(1L, null);
		assertThat(cache.get(1L)).as("a cached null").isNotNull();
		await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> cache.get(1L) == null);

		double hits = count("cache.gets", "cache", "shortnulls", "result", "hit");
		double misses = count("cache.gets", "cache", "shortnulls", "result", "miss");
		assertThat(hits).as("Caffeine saw one more hit than the callers did")
			.isEqualTo(cache.getStatistics().caffeineStats().hitCount() - 1)
			.isEqualTo(cache.getStatistics().hits());
		assertThat(misses).isEqualTo(cache.getStatistics().caffeineStats().missCount() + 1)
			.isEqualTo(cache.getStatistics().misses());
	}

	@Test
	void cacheCreatedAfterStartupIsBoundWhenCreated() {
		assertThat(this.registry.find("cache.gets").tag("cache", "late").meters()).isEmpty();
		assertThat(cacheManager().findCache("late")).isNull();

		service().late(1L);
		service().late(1L);

		assertThat(count("cache.gets", "cache", "late", "result", "hit")).isEqualTo(1);
		assertThat(count("cache.gets", "cache", "late", "result", "miss")).isEqualTo(1);
		assertThat(count("cache.puts", "cache", "late")).isPositive()
			.isEqualTo(cacheManager().getCache("late").getStatistics().loads());
		assertThat(this.registry.get("cache.gets").tag("cache", "late").tag("result", "hit").meter().getId()
			.getTag("cache.manager")).isEqualTo("cacheManager");
		assertThat(this.registry.find("nearcache.invalidations").tag("cache", "late").meters()).hasSize(2);
		assertThat(this.registry.find("cache.gets").tag("cache", "late").meters()).hasSize(2);
	}

	@Test
	void springBootsCacheMetricsRegistrarBindsNearCaches() {
		CacheMetricsRegistrar registrar = this.context.getBean(CacheMetricsRegistrar.class);

		assertThat(registrar.bindCacheToRegistry(cacheManager().getCache("products"),
				Tag.of("cache.manager", "cacheManager")))
			.as("a binder is found for NearCache")
			.isTrue();
		assertThat(this.registry.find("cache.gets").tag("cache", "products").meters()).hasSize(2);
	}

	@Test
	void invalidationsAreCountedByOriginAndLagIsTimed() {
		double local = count("nearcache.invalidations", "cache", "products", "origin", "local");
		double remote = count("nearcache.invalidations", "cache", "products", "origin", "remote");
		double published = count("nearcache.messages", "direction", "published");
		double received = count("nearcache.messages", "direction", "received");
		Timer lag = this.registry.get("nearcache.invalidation.lag").timer();
		long lagCount = lag.count();
		double lagTotal = lag.totalTime(TimeUnit.MILLISECONDS);

		cacheManager().getCache("products").evict(5L);
		await().atMost(DEADLINE).until(() -> count("nearcache.messages", "direction", "published") > published);
		publish("{\"v\":1,\"type\":\"invalidate\",\"origin\":\"pricing\",\"cache\":\"products\",\"keys\":[\"6\"]}");
		publish("{\"v\":1,\"type\":\"invalidate\",\"origin\":\"pricing\",\"ts\":" + (System.currentTimeMillis() - 500)
				+ ",\"cache\":\"products\",\"keys\":[\"7\",\"8\"]}");

		assertThat(count("nearcache.invalidations", "cache", "products", "origin", "local") - local).isEqualTo(1);
		await().atMost(DEADLINE)
			.until(() -> count("nearcache.invalidations", "cache", "products", "origin", "remote") - remote == 3);
		assertThat(count("nearcache.messages", "direction", "received") - received)
			.as("own echo and the two foreign messages (and any heartbeats)")
			.isGreaterThanOrEqualTo(3);
		assertThat(lag.count() - lagCount).as("only the foreign message with a ts is timed").isEqualTo(1);
		assertThat(lag.totalTime(TimeUnit.MILLISECONDS) - lagTotal).isGreaterThanOrEqualTo(500);
	}

	@Test
	void heartbeatsAreCounted() {
		double published = count("nearcache.heartbeats", "direction", "published");

		await().atMost(DEADLINE).until(() -> count("nearcache.heartbeats", "direction", "published") > published);
		assertThat(count("nearcache.heartbeats", "direction", "received")).as("no other instance")
			.isEqualTo(statistics().heartbeatsReceived())
			.isZero();
	}

	@Test
	void malformedMessagesAreCountedAsDropped() {
		double malformed = count("nearcache.messages.dropped", "reason", "malformed");
		double unknownType = count("nearcache.messages.dropped", "reason", "unknown-type");

		publish("{not json");
		publish("{\"v\":1,\"type\":\"refresh\"}");

		await().atMost(DEADLINE)
			.until(() -> count("nearcache.messages.dropped", "reason", "unknown-type") - unknownType == 1);
		assertThat(count("nearcache.messages.dropped", "reason", "malformed") - malformed).isEqualTo(1);
		for (DropReason reason : DropReason.values()) {
			assertThat(this.registry.find("nearcache.messages.dropped").tag("reason", reason.tag()).functionCounter())
				.as(reason.tag())
				.isNotNull();
		}
	}

	@Test
	void remoteClearsWithinTheWindowAreCountedAsCoalesced() {
		double coalesced = count("nearcache.clears.coalesced");
		for (int i = 0; i < 20; i++) {
			publish("{\"v\":1,\"type\":\"clear\",\"origin\":\"pricing\",\"cache\":\"products\"}");
		}
		// The first clear runs at once; the others arrive within the 100 ms window, or start a new one.
		await().atMost(DEADLINE).until(() -> count("nearcache.clears.coalesced") - coalesced >= 1);
		assertThat(count("nearcache.clears.coalesced")).isEqualTo(statistics().coalescedClears());
	}

	@Test
	void publishFailuresAndFlushesAfterAnOutageAreCounted() {
		double failures = count("nearcache.publish.failures");
		double flushes = totalFlushes();
		assertThat(state(TransportState.SUBSCRIBED)).isEqualTo(1);
		assertThat(state(TransportState.CONNECTING)).isZero();

		this.redis.stop();
		try {
			cacheManager().getCache("products").evict(9L);
			await().atMost(DEADLINE).until(() -> count("nearcache.publish.failures") > failures);
		}
		finally {
			this.redis.restart();
		}

		// Which reason a flush is counted under is the transport's business; the meters must mirror it.
		await().atMost(DEADLINE).until(() -> totalFlushes() > flushes && state(TransportState.SUBSCRIBED) == 1);
		for (FlushReason reason : FlushReason.values()) {
			assertThat(count("nearcache.flushes", "reason", reason.tag())).as(reason.tag())
				.isEqualTo(statistics().flushes(reason));
		}
		assertThat(count("nearcache.publish.failures")).isEqualTo(statistics().publishFailures());
		assertThat(count("nearcache.heartbeat.failures")).isEqualTo(statistics().heartbeatFailures());
		assertThat(count("nearcache.publish.after.stop")).isEqualTo(statistics().offeredAfterStop());
	}

	private double totalFlushes() {
		double total = 0;
		for (FlushReason reason : FlushReason.values()) {
			total += count("nearcache.flushes", "reason", reason.tag());
		}
		return total;
	}

	private void publish(String message) {
		this.raw.sync().publish(CHANNEL, message);
	}

	private double count(String name, String... tags) {
		return this.registry.get(name).tags(tags).functionCounter().count();
	}

	private double state(TransportState state) {
		return this.registry.get("nearcache.channel.state").tag("state", state.name()).gauge().value();
	}

	private MetricsTestApplication.ProductService service() {
		return this.context.getBean(MetricsTestApplication.ProductService.class);
	}

	private NearCacheManager cacheManager() {
		return this.context.getBean(NearCacheManager.class);
	}

	private InvalidationStatistics statistics() {
		return this.context.getBean(InvalidationStatistics.class);
	}

}
