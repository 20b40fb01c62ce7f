package dev.nearcache.actuate;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the {@code nearcache} endpoint shows of an instance that just started and served nothing: nothing cleared.
 * It did enter the degraded mode and flush once its subscription was proven, but with nothing cached.
 */
@ExtendWith(RedisServerExtension.class)
class FreshInstanceTests {

	@Test
	void idleInstanceShowsNoClears(RedisServerProcess redis) {
		try (WebInstance instance = WebInstance.start(redis.port())) {
			await().atMost(Duration.ofSeconds(10)).until(instance::subscribed);

			JsonNode products = instance.get("/actuator/nearcache/products").json();

			assertThat(products.get("clears").asLong()).isZero();
			assertThat(instance.get("/actuator/nearcache").json().get("counters").get("flushes").get("recovered").asLong())
				.as("the flush happened, on an empty cache").isEqualTo(1);
			instance.service().find(1L);
			instance.cacheManager().clearAllLocally();
			assertThat(instance.get("/actuator/nearcache/products").json().get("clears").asLong()).isEqualTo(1);
		}
	}

}
