package dev.nearcache.metrics;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.tracing.LettuceObservationContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.observation.LettuceObservationAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.nearcache.autoconfigure.NearCacheAutoConfiguration;
import dev.nearcache.autoconfigure.NearCacheObservationAutoConfiguration;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;
import dev.nearcache.testsupport.CachingEnabled;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link HeartbeatObservationPredicate} with Spring Boot's Lettuce observation on a real Redis: every
 * command the application's client sends is observed, nearcache's heartbeats excepted.
 */
@ExtendWith(RedisServerExtension.class)
class HeartbeatObservationTests {

	private static final Duration DEADLINE = Duration.ofSeconds(15);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
				LettuceObservationAutoConfiguration.class, DataRedisAutoConfiguration.class,
				NearCacheAutoConfiguration.class, CacheAutoConfiguration.class))
		.withUserConfiguration(CachingEnabled.class, RecordingHandlerConfiguration.class)
		.withPropertyValues("spring.application.name=observed", "nearcache.heartbeat.interval=100ms",
				"spring.data.redis.host=127.0.0.1", "spring.data.redis.timeout=2s");

	@Test
	void heartbeatsAreNotObservedButInvalidationsAre(RedisServerProcess redis) {
		this.runner.withConfiguration(AutoConfigurations.of(NearCacheObservationAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + redis.port())
			.run((context) -> {
				RecordingHandlerConfiguration recorded = heartbeatsAndOneInvalidation(context);
				assertThat(recorded.publishes).noneMatch((publish) -> publish.contains("heartbeat"));
				assertThat(recorded.publishes).anyMatch((publish) -> publish.contains("\"invalidate\""));
			});
	}

	@Test
	void heartbeatsAreNotObservedWhenSigned(RedisServerProcess redis) {
		this.runner.withConfiguration(AutoConfigurations.of(NearCacheObservationAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.port=" + redis.port(),
					"nearcache.security.signing.secret=an-observation-test-secret-of-32-bytes-or-more")
			.run((context) -> {
				RecordingHandlerConfiguration recorded = heartbeatsAndOneInvalidation(context);
				assertThat(recorded.publishes).noneMatch((publish) -> publish.contains("heartbeat"));
				assertThat(recorded.publishes).anyMatch((publish) -> publish.contains("invalidate"));
			});
	}

	/** Without the predicate: what it is there for. */
	@Test
	void withoutThePredicateEveryHeartbeatIsAnObservation(RedisServerProcess redis) {
		this.runner.withPropertyValues("spring.data.redis.port=" + redis.port()).run((context) -> {
			RecordingHandlerConfiguration recorded = heartbeatsAndOneInvalidation(context);
			assertThat(recorded.publishes).anyMatch((publish) -> publish.contains("heartbeat"));
		});
	}

	private static RecordingHandlerConfiguration heartbeatsAndOneInvalidation(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		InvalidationStatistics statistics = context.getBean(InvalidationStatistics.class);
		await().atMost(DEADLINE)
			.until(() -> statistics.state() == TransportState.SUBSCRIBED && statistics.heartbeatsPublished() >= 5);
		long published = statistics.published();
		context.getBean(NearCacheManager.class).getCache("products").evict(42L);
		await().atMost(DEADLINE).until(() -> statistics.published() > published);
		RecordingHandlerConfiguration recorded = context.getBean(RecordingHandlerConfiguration.class);
		await().atMost(DEADLINE).until(() -> recorded.publishes.stream().anyMatch((p) -> p.contains("invalidate")));
		return recorded;
	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingHandlerConfiguration {

		final List<String> publishes = new CopyOnWriteArrayList<>();

		@Bean
		ObservationHandler<LettuceObservationContext> recordingHandler() {
			return new ObservationHandler<>() {

				@Override
				public void onStart(LettuceObservationContext context) {
					RedisCommand<?, ?, ?> command = context.getRequiredCommand();
					if (command.getType().toString().endsWith("PUBLISH") && command.getArgs() != null) {
						RecordingHandlerConfiguration.this.publishes.add(command.getArgs().toCommandString());
					}
				}

				@Override
				public boolean supportsContext(Observation.Context context) {
					return context instanceof LettuceObservationContext;
				}

			};
		}

	}

}
