package dev.nearcache.actuate;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import dev.nearcache.invalidation.DropReason;
import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code nearcache} endpoint over real HTTP: two instances on one real Redis. Every operation and every error
 * case; what a POST or DELETE on one instance does on the other.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NearCacheEndpointWebIntegrationTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private WebInstance a;

	private WebInstance b;

	@BeforeAll
	void startInstances(RedisServerProcess redis) {
		this.a = WebInstance.start(redis.port());
		this.b = WebInstance.start(redis.port());
		await().atMost(DEADLINE).until(() -> this.a.subscribed() && this.b.subscribed());
	}

	@AfterAll
	void stopInstances() {
		for (WebInstance instance : new WebInstance[] { this.a, this.b }) {
			if (instance != null) {
				instance.close();
			}
		}
	}

	@BeforeEach
	void clearCaches() {
		List.of(this.a, this.b).forEach((instance) -> instance.cacheManager().clearAllLocally());
	}

	@Test
	void getReportsInstanceChannelAndEveryCache() {
		this.a.service().find(1L);
		this.a.service().find(1L);
		this.a.service().price(1L);

		WebInstance.Response response = this.a.get("/actuator/nearcache");

		assertThat(response.status()).isEqualTo(200);
		JsonNode body = response.json();
		assertThat(body.get("instanceId").asString()).isEqualTo(this.a.statistics().instanceId());
		assertThat(body.get("channel").asString()).isEqualTo("nearcache:actuator-test");
		assertThat(body.get("state").asString()).isEqualTo("SUBSCRIBED");
		JsonNode counters = body.get("counters");
		assertThat(body.get("degradedMode").isNull()).isTrue();
		for (String field : List.of("published", "received", "applied", "heartbeatsPublished", "heartbeatsReceived",
				"selfSkipped", "publishFailures", "heartbeatFailures", "offeredAfterStop", "reconnects", "coalescedFlushes",
				"coalescedClears")) {
			assertThat(counters.get(field).isIntegralNumber()).as(field).isTrue();
		}
		for (DropReason reason : DropReason.values()) {
			assertThat(counters.get("dropped").get(reason.tag()).isIntegralNumber()).as(reason.tag()).isTrue();
		}
		for (FlushReason reason : FlushReason.values()) {
			assertThat(counters.get("flushes").get(reason.tag()).isIntegralNumber()).as(reason.tag()).isTrue();
		}
		assertThat(body.get("caches").propertyNames()).contains("products", "prices");
		JsonNode products = body.get("caches").get("products");
		assertThat(products.get("size").asLong()).isEqualTo(1);
		assertThat(products.get("settings").get("ttl").asString()).isEqualTo("PT10M");
		assertThat(body.get("caches").get("prices").get("settings").get("ttl").asString()).isEqualTo("PT5M");
	}

	@Test
	void getOneCacheReportsItsStatisticsAndSettings() {
		long hitsBefore = this.a.cache("products").getStatistics().caffeineStats().hitCount();
		long missesBefore = this.a.cache("products").getStatistics().caffeineStats().missCount();
		long localBefore = this.a.cache("products").getStatistics().localInvalidations();
		this.a.service().find(2L);
		this.a.service().find(2L);
		this.a.service().find(2L);
		this.a.cache("products").evict(3L);

		WebInstance.Response response = this.a.get("/actuator/nearcache/products");

		assertThat(response.status()).isEqualTo(200);
		JsonNode products = response.json();
		assertThat(products.get("name").asString()).isEqualTo("products");
		assertThat(products.get("size").asLong()).isEqualTo(1);
		assertThat(products.get("hits").asLong() - hitsBefore).isEqualTo(2);
		assertThat(products.get("misses").asLong() - missesBefore).isEqualTo(1);
		assertThat(products.get("hitRatio").asDouble()).isBetween(0.0, 1.0);
		assertThat(products.get("loads").asLong()).isPositive();
		assertThat(products.get("loadFailures").asLong()).isZero();
		assertThat(products.get("staleLoadsDiscarded").asLong()).isZero();
		assertThat(products.get("evictions").get("size").asLong()).isZero();
		assertThat(products.get("evictions").get("expiry").asLong()).isZero();
		assertThat(products.get("invalidations").get("local").asLong() - localBefore).isEqualTo(1);
		assertThat(products.get("invalidations").get("remote").isIntegralNumber()).isTrue();
		assertThat(products.get("clears").isIntegralNumber()).isTrue();
		JsonNode settings = products.get("settings");
		assertThat(settings.get("ttl").asString()).isEqualTo("PT10M");
		assertThat(settings.get("nullTtl").asString()).isEqualTo("PT30S");
		assertThat(settings.get("maximumSize").asLong()).isEqualTo(10_000);
		assertThat(settings.get("allowNullValues").asBoolean()).isTrue();
		assertThat(settings.get("broadcast").asBoolean()).isTrue();
	}

	@Test
	void getUnknownCacheIsNotFound() {
		assertThat(this.a.get("/actuator/nearcache/no-such-cache").status()).isEqualTo(404);
		assertThat(this.a.cacheManager().findCache("no-such-cache")).as("a read never creates a cache").isNull();
	}

	@Test
	void postKeyEvictsHereAndOnTheOtherInstance() {
		this.a.service().find(42L);
		this.b.service().find(42L);

		WebInstance.Response response = this.a.post("/actuator/nearcache/products", "{\"key\":\"42\"}");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("caches").get(0).asString()).isEqualTo("products");
		assertThat(response.json().get("key").asString()).isEqualTo("42");
		assertThat(response.json().get("scope").asString()).isEqualTo("cluster");
		assertThat(response.json().get("evicted").asLong()).isEqualTo(1);
		assertThat(response.json().get("broadcast").asBoolean()).isTrue();
		assertThat(this.a.holds("products", 42L)).isFalse();
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 42L));
	}

	@Test
	void postAllClearsTheCacheHereAndOnTheOtherInstance() {
		for (long id = 1; id <= 3; id++) {
			this.a.service().find(id);
			this.b.service().find(id);
		}
		this.b.service().price(1L);

		WebInstance.Response response = this.a.post("/actuator/nearcache/products", "{\"all\":true}");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("key").isNull()).isTrue();
		assertThat(response.json().get("evicted").asLong()).isEqualTo(3);
		assertThat(response.json().get("broadcast").asBoolean()).isTrue();
		assertThat(this.a.cache("products").getNativeCache().asMap()).isEmpty();
		await().atMost(DEADLINE).until(() -> this.b.cache("products").getNativeCache().asMap().isEmpty());
		assertThat(this.b.holds("prices", 1L)).as("other caches are left alone").isTrue();
	}

	@Test
	void postWithLocalScopeActsOnThisInstanceOnly() {
		this.a.service().find(7L);
		this.b.service().find(7L);
		this.a.service().find(8L);
		this.b.service().find(8L);

		WebInstance.Response key = this.a.post("/actuator/nearcache/products", "{\"key\":\"7\",\"scope\":\"local\"}");
		WebInstance.Response all = this.a.post("/actuator/nearcache/prices", "{\"all\":true,\"scope\":\"local\"}");

		assertThat(key.status()).isEqualTo(200);
		assertThat(key.json().get("scope").asString()).isEqualTo("local");
		assertThat(key.json().get("evicted").asLong()).isEqualTo(1);
		assertThat(key.json().get("broadcast").asBoolean()).isFalse();
		assertThat(all.status()).isEqualTo(200);
		assertThat(all.json().get("broadcast").asBoolean()).isFalse();
		assertThat(this.a.holds("products", 7L)).isFalse();
		// A later cluster-wide eviction from the same instance arrives after anything the local ones could have sent.
		this.b.service().price(9L);
		this.a.post("/actuator/nearcache/products", "{\"key\":\"8\"}");
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 8L));
		assertThat(this.b.holds("products", 7L)).isTrue();
		assertThat(this.b.holds("prices", 9L)).isTrue();
	}

	@Test
	void deleteClearsEveryCacheEverywhere() {
		this.a.service().find(1L);
		this.a.service().price(1L);
		this.b.service().find(1L);
		this.b.service().price(1L);

		WebInstance.Response response = this.a.delete("/actuator/nearcache");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("caches").valueStream().map(JsonNode::asString).toList()).contains("prices",
				"products");
		assertThat(response.json().get("evicted").asLong()).isEqualTo(2);
		assertThat(response.json().get("scope").asString()).isEqualTo("cluster");
		assertThat(response.json().get("broadcast").asBoolean()).isTrue();
		assertThat(this.a.holds("products", 1L) || this.a.holds("prices", 1L)).isFalse();
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 1L) && !this.b.holds("prices", 1L));
	}

	@Test
	void deleteWithLocalScopeClearsThisInstanceOnly() {
		this.a.service().find(5L);
		this.b.service().find(5L);
		this.b.service().find(6L);

		WebInstance.Response response = this.a.delete("/actuator/nearcache?scope=local");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().get("broadcast").asBoolean()).isFalse();
		assertThat(this.a.holds("products", 5L)).isFalse();
		this.a.post("/actuator/nearcache/products", "{\"key\":\"6\"}");
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 6L));
		assertThat(this.b.holds("products", 5L)).isTrue();
	}

	/**
	 * Spring Boot's caches endpoint clears through {@code Cache.clear()}, which nearcache broadcasts like every
	 * clear: the decision recorded in docs/design.md, and what docs/security.md says.
	 */
	@Test
	void bootCachesEndpointDeleteClearsOnEveryInstance() {
		this.a.service().find(31L);
		this.b.service().find(31L);
		this.b.service().price(31L);

		assertThat(this.a.delete("/actuator/caches/products").status()).isEqualTo(204);

		assertThat(this.a.holds("products", 31L)).isFalse();
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 31L));
		assertThat(this.b.holds("prices", 31L)).as("only the named cache").isTrue();

		this.a.service().find(32L);
		this.a.service().price(32L);
		this.b.service().find(32L);
		assertThat(this.a.delete("/actuator/caches").status()).isEqualTo(204);
		// Every cache of the instance called: on the others too, each of those caches is cleared.
		await().atMost(DEADLINE)
			.until(() -> !this.b.holds("products", 32L) && !this.b.holds("prices", 31L));
	}

	@Test
	void postWithoutKeyOrAllIsBadRequest() {
		assertBadRequest(this.a.post("/actuator/nearcache/products", "{}"), "\"key\"");
		assertBadRequest(this.a.post("/actuator/nearcache/products", ""), "\"key\"");
		assertBadRequest(this.a.post("/actuator/nearcache/products", "{\"all\":false}"), "\"key\"");
		assertBadRequest(this.a.post("/actuator/nearcache/products", "{\"keys\":\"1\"}"), "\"key\"");
	}

	@Test
	void postWithABodyThatDoesNotBindIsBadRequest() {
		assertThat(this.a.post("/actuator/nearcache/products", "[\"42\"]").status()).isEqualTo(400);
		assertThat(this.a.post("/actuator/nearcache/products", "{\"all\":\"maybe\"}").status()).isEqualTo(400);
		assertThat(this.a.post("/actuator/nearcache/products", "{\"key\":[\"1\",\"2\"]}").status()).isEqualTo(400);
	}

	@Test
	void postWithKeyAndAllIsBadRequest() {
		this.a.service().find(11L);
		assertBadRequest(this.a.post("/actuator/nearcache/products", "{\"key\":\"11\",\"all\":true}"), "not both");
		assertThat(this.a.holds("products", 11L)).isTrue();
	}

	@Test
	void unknownScopeIsBadRequest() {
		this.a.service().find(12L);
		assertBadRequest(this.a.post("/actuator/nearcache/products", "{\"key\":\"12\",\"scope\":\"region\"}"),
				"Unknown scope 'region'");
		assertBadRequest(this.a.delete("/actuator/nearcache?scope=everywhere"), "Unknown scope 'everywhere'");
		assertThat(this.a.holds("products", 12L)).isTrue();
	}

	@Test
	void postToUnknownCacheIsNotFound() {
		WebInstance.Response response = this.a.post("/actuator/nearcache/no-such-cache", "{\"key\":\"1\"}");

		assertThat(response.status()).isEqualTo(404);
		assertKnownCachesNamed(response, "no-such-cache");
		assertThat(this.a.cacheManager().findCache("no-such-cache")).as("an eviction never creates a cache").isNull();
	}

	@Test
	void getUnknownCacheNamesTheKnownCaches() {
		assertKnownCachesNamed(this.a.get("/actuator/nearcache/no-such-cache"), "no-such-cache");
	}

	private void assertKnownCachesNamed(WebInstance.Response response, String unknown) {
		assertThat(response.status()).isEqualTo(404);
		JsonNode body = response.json();
		assertThat(body.get("error").asString()).contains("'" + unknown + "'");
		List<String> known = new java.util.ArrayList<>();
		body.get("knownCaches").forEach((name) -> known.add(name.asString()));
		assertThat(known).contains("products").isSorted();
		assertThat(body.get("dynamic").isBoolean()).isTrue();
	}

	@Test
	void postWithAnUnknownFieldIsRefusedNamingItAndTheAcceptedOnes() {
		this.a.service().find(13L);
		this.b.service().find(13L);
		long publishedBefore = this.a.statistics().published();

		WebInstance.Response response = this.a.post("/actuator/nearcache/products",
				"{\"key\":\"13\",\"scop\":\"local\"}");

		assertBadRequest(response, "Unknown field \"scop\"");
		assertBadRequest(response, "accepted fields: \"key\", \"all\", \"scope\"");
		assertThat(this.a.holds("products", 13L)).as("nothing evicted here").isTrue();
		assertThat(this.b.holds("products", 13L)).as("nothing evicted elsewhere").isTrue();
		assertThat(this.a.statistics().published()).isEqualTo(publishedBefore);
		assertBadRequest(this.a.delete("/actuator/nearcache?scop=local"), "Unknown field \"scop\"");
		assertBadRequest(this.a.delete("/actuator/nearcache?scop=local"), "accepted fields: \"scope\"");
	}

	@Test
	void postWithAnEmptyKeyIsRefused() {
		long publishedBefore = this.a.statistics().published();
		assertBadRequest(this.a.post("/actuator/nearcache/products", "{\"key\":\"\"}"), "\"key\" must not be empty");
		assertThat(this.a.statistics().published()).isEqualTo(publishedBefore);
	}

	@Test
	void allTakesOnlyTrueOrFalse() {
		this.a.service().find(14L);
		for (String all : List.of("\"yes\"", "\"on\"", "1", "\"1\"", "\"maybe\"")) {
			assertBadRequest(this.a.post("/actuator/nearcache/products", "{\"all\":" + all + "}"),
					"\"all\" must be true or false");
		}
		assertThat(this.a.holds("products", 14L)).isTrue();
		assertThat(this.a.post("/actuator/nearcache/products", "{\"all\":\"true\",\"scope\":\"local\"}").status())
			.isEqualTo(200);
		assertThat(this.a.holds("products", 14L)).isFalse();
	}

	private static void assertBadRequest(WebInstance.Response response, String reason) {
		assertThat(response.status()).isEqualTo(400);
		assertThat(response.json().get("message").asString()).contains(reason);
	}

}
