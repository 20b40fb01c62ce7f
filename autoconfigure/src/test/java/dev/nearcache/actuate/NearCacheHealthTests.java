package dev.nearcache.actuate;

import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code nearcache} health contributor over HTTP while the test's own Redis is down, back, lost again and back
 * again: two instances configured as {@code docs/operations.md} recommends (readiness = readinessState +
 * nearcache), one of them opting into DOWN. The methods run in order: Redis is stopped before the instances start.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NearCacheHealthTests {

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private static final String[] READINESS = { "management.endpoint.health.probes.enabled=true",
			"management.endpoint.health.group.readiness.include=readinessState,nearcache",
			"nearcache.heartbeat.interval=200ms" };

	private RedisServerProcess redis;

	private WebInstance tolerant;

	private WebInstance strict;

	@BeforeAll
	void startInstancesWhileRedisIsDown(RedisServerProcess redis) {
		this.redis = redis;
		redis.stop();
		this.tolerant = WebInstance.start(redis.port(), READINESS);
		this.strict = WebInstance.start(redis.port(), concat(READINESS, "nearcache.health.down-when-disconnected=true"));
	}

	@AfterAll
	void stopInstances() {
		if (this.tolerant != null) {
			this.tolerant.close();
		}
		if (this.strict != null) {
			this.strict.close();
		}
	}

	@Test
	@Order(1)
	void redisDown_isDegradedAndStaysReadyByDefault() {
		WebInstance.Response nearcache = this.tolerant.get("/actuator/health/nearcache");

		assertThat(nearcache.status()).isEqualTo(200);
		assertThat(nearcache.json().get("status").asString()).isEqualTo("DEGRADED");
		JsonNode details = nearcache.json().get("details");
		assertThat(details.get("state").asString()).isEqualTo("CONNECTING");
		assertThat(details.get("message").asString()).contains("Redis not reachable so far");
		assertThat(this.tolerant.get("/actuator/health/readiness").status()).isEqualTo(200);
		assertThat(this.tolerant.get("/actuator/health/readiness").json().get("status").asString()).isEqualTo("UP");
		assertThat(this.tolerant.get("/actuator/health/redis").status())
			.as("Spring Boot's own Redis indicator is DOWN, which is why it stays out of readiness")
			.isEqualTo(503);
	}

	@Test
	@Order(2)
	void redisDown_isDownAndNotReadyWhenOptedIn() {
		WebInstance.Response nearcache = this.strict.get("/actuator/health/nearcache");

		assertThat(nearcache.status()).isEqualTo(503);
		assertThat(nearcache.json().get("status").asString()).isEqualTo("DOWN");
		assertThat(nearcache.json().get("details").get("state").asString()).isEqualTo("CONNECTING");
		assertThat(this.strict.get("/actuator/health/readiness").status()).isEqualTo(503);
	}

	@Test
	@Order(3)
	void redisBack_isUpOnceSubscribed() {
		this.redis.restart();

		for (WebInstance instance : new WebInstance[] { this.tolerant, this.strict }) {
			await().atMost(DEADLINE).untilAsserted(() -> {
				WebInstance.Response nearcache = instance.get("/actuator/health/nearcache");
				assertThat(nearcache.status()).isEqualTo(200);
				assertThat(nearcache.json().get("status").asString()).isEqualTo("UP");
				assertThat(nearcache.json().get("details").get("state").asString()).isEqualTo("SUBSCRIBED");
			});
			assertThat(instance.get("/actuator/health/readiness").status()).isEqualTo(200);
		}
	}

	@Test
	@Order(4)
	void redisLostWhileSubscribed_isDegradedOnceHeartbeatsStop() {
		this.redis.stop();

		await().atMost(DEADLINE).untilAsserted(() -> {
			WebInstance.Response nearcache = this.tolerant.get("/actuator/health/nearcache");
			assertThat(nearcache.status()).isEqualTo(200);
			assertThat(nearcache.json().get("status").asString()).isEqualTo("DEGRADED");
			assertThat(nearcache.json().get("details").get("state").asString()).isEqualTo("DEGRADED");
			assertThat(nearcache.json().get("details").get("message").asString()).contains("heartbeat window");
		});
		await().atMost(DEADLINE).untilAsserted(() -> {
			WebInstance.Response nearcache = this.strict.get("/actuator/health/nearcache");
			assertThat(nearcache.status()).isEqualTo(503);
			assertThat(nearcache.json().get("details").get("state").asString()).isEqualTo("DEGRADED");
		});
		assertThat(this.tolerant.get("/actuator/health/readiness").status()).isEqualTo(200);
		assertThat(this.strict.get("/actuator/health/readiness").status()).isEqualTo(503);
	}

	@Test
	@Order(5)
	void redisBackAgain_isUpOnceHeartbeatsReturn() {
		this.redis.restart();

		for (WebInstance instance : new WebInstance[] { this.tolerant, this.strict }) {
			await().atMost(DEADLINE).untilAsserted(() -> {
				WebInstance.Response nearcache = instance.get("/actuator/health/nearcache");
				assertThat(nearcache.status()).isEqualTo(200);
				assertThat(nearcache.json().get("status").asString()).isEqualTo("UP");
			});
		}
	}

	private static String[] concat(String[] properties, String property) {
		String[] all = Arrays.copyOf(properties, properties.length + 1);
		all[properties.length] = property;
		return all;
	}

}
