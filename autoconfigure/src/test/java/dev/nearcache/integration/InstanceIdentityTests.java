package dev.nearcache.integration;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.health.contributor.Health;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.actuate.NearCacheHealthIndicator;
import dev.nearcache.invalidation.FlushReason;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instance ids on the wire, between real instances on one Redis: two live processes configured with one id, and a
 * fleet in the middle of a rolling upgrade, where some instances still write messages without an incarnation.
 */
@ExtendWith(RedisServerExtension.class)
class InstanceIdentityTests {

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	@BeforeEach
	void seed() {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 10; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
	}

	@Test
	void twoLiveProcessesWithOneIdSeeEachOthersWrites(RedisServerProcess redis) {
		try (Instance a = Instance.start(redis.port(), "nearcache.instance-id=web-1");
				Instance b = Instance.start(redis.port(), "nearcache.instance-id=web-1")) {
			await().atMost(DEADLINE).until(() -> a.subscribed() && b.subscribed());
			a.service().find(1L);
			b.service().find(2L);
			b.service().rename(1L, "written on b");
			a.service().rename(2L, "written on a");
			await().atMost(DEADLINE).until(() -> !a.holds("products", 1L) && !b.holds("products", 2L));
			assertThat(a.service().find(1L)).isEqualTo("written on b");
			assertThat(b.service().find(2L)).isEqualTo("written on a");
			for (Instance instance : List.of(a, b)) {
				assertThat(instance.statistics().duplicateInstanceMessages()).isPositive();
				Health health = new NearCacheHealthIndicator(instance.statistics(), false).health();
				assertThat(health.getDetails()).containsKey("duplicateInstanceId");
				Map<?, ?> detail = (Map<?, ?>) health.getDetails().get("duplicateInstanceId");
				assertThat(detail.keySet()).map(String::valueOf).contains("lastMessageAt", "messages", "message");
				assertThat(instance.statistics().flushes(FlushReason.GAP)).isZero();
			}
		}
	}

	@Test
	void mixedFleetOfOldAndNewFormatInstancesStaysCoherent(RedisServerProcess redis) {
		try (Instance current = Instance.start(redis.port());
				Instance old = Instance.start(List.of(OldWireFormat.class), redis.port())) {
			await().atMost(DEADLINE).until(() -> current.subscribed() && old.subscribed());
			assertThat(old.context.getBean(InvalidationCodec.class).incarnation()).isNull();
			for (long id = 1; id <= 6; id++) {
				current.service().find(id);
				old.service().find(id);
			}
			for (long id = 1; id <= 6; id++) {
				Instance writer = (id % 2 == 0) ? current : old;
				Instance reader = (writer == current) ? old : current;
				writer.service().rename(id, "v" + id);
				long written = id;
				await().atMost(DEADLINE).until(() -> !reader.holds("products", written));
				assertThat(reader.service().find(id)).isEqualTo("v" + id);
			}
			for (Instance instance : List.of(current, old)) {
				assertThat(instance.statistics().selfSkipped()).as("own echo recognised").isPositive();
				assertThat(instance.statistics().duplicateInstanceMessages()).isZero();
				assertThat(instance.statistics().flushes(FlushReason.GAP)).isZero();
			}
		}
	}

	/** An instance of a nearcache before incarnations, as far as the wire shows: messages without {@code inc}. */
	@Configuration(proxyBeanMethods = false)
	static class OldWireFormat {

		@Bean
		InvalidationCodec oldWireFormatCodec() {
			return new InvalidationCodec(64 * 1024, null, null);
		}

	}

}
