package dev.nearcache.testsupport;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Proves that {@link RedisServerProcess} gives tests a real, killable, restartable Redis
 * and that {@link RedisServerExtension} hands the same one to everything in a class.
 */
@ExtendWith(RedisServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisServerProcessTests {

	private static ClientResources resources;

	private static RedisServerProcess injectedIntoBeforeAll;

	@BeforeAll
	static void setUp(RedisServerProcess redis) {
		resources = DefaultClientResources.create();
		injectedIntoBeforeAll = redis;
	}

	@AfterAll
	static void tearDown() {
		resources.shutdown(0, 2, TimeUnit.SECONDS);
	}

	@Test
	void startedServerAnswersPing(RedisServerProcess redis) {
		assertThat(redis.isRunning()).isTrue();
		assertThat(redis.host()).isEqualTo("127.0.0.1");
		assertThat(redis.port()).isPositive().isNotEqualTo(6379);
		assertThat(redis.redisUri()).isEqualTo("redis://127.0.0.1:" + redis.port());
		assertThat(redis.binary()).contains(RedisServerProcess.onPath() ? "(from PATH)" : "embedded-redis");
		assertThat(RedisServerProcess.ping(redis.host(), redis.port(), Duration.ofSeconds(1))).isTrue();
		withClient(redis, (commands) -> assertThat(commands.ping()).isEqualTo("PONG"));
	}

	@Test
	void extensionInjectsOneServerPerClass(RedisServerProcess redis) {
		assertThat(redis).isSameAs(injectedIntoBeforeAll);
	}

	@Test
	void stopMakesConnectionsFail() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			withClient(redis, (commands) -> assertThat(commands.ping()).isEqualTo("PONG"));
			redis.stop();
			assertThat(redis.isRunning()).isFalse();
			assertThat(RedisServerProcess.ping(redis.host(), redis.port(), Duration.ofMillis(500))).isFalse();
			assertThatThrownBy(() -> withClient(redis, RedisCommands::ping)).isInstanceOf(RedisException.class);
			redis.stop(); // idempotent
		}
	}

	@Test
	void restartGivesAnEmptyServerOnTheSamePort() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			int port = redis.port();
			RedisClient client = client(redis);
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				connection.sync().set("key", "before-restart");
				assertThat(connection.sync().get("key")).isEqualTo("before-restart");
				// keep the connection open across the restart so the old server-side socket
				// lingers (TIME_WAIT) while the new process binds the port
				redis.restart();
			}
			finally {
				client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			}
			assertThat(redis.port()).isEqualTo(port);
			assertThat(redis.isRunning()).isTrue();
			withClient(redis, (commands) -> {
				assertThat(commands.get("key")).isNull();
				assertThat(commands.dbsize()).isZero();
			});
		}
	}

	@Test
	void restartAfterStopStartsAgain() {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			redis.stop();
			redis.restart();
			withClient(redis, (commands) -> assertThat(commands.ping()).isEqualTo("PONG"));
		}
	}

	@Test
	void embeddedBinaryFallbackAnswersPing() {
		assumeTrue(RedisServerProcess.embeddedBinaryAvailable(), "embedded-redis has no binary for this OS/arch");
		try (RedisServerProcess redis = RedisServerProcess.startEmbedded()) {
			assertThat(redis.binary()).contains("embedded-redis");
			withClient(redis, (commands) -> assertThat(commands.ping()).isEqualTo("PONG"));
		}
	}

	/** PER_CLASS resolves the constructor before any beforeAll callback runs. */
	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class NestedPerClass {

		private final RedisServerProcess redis;

		NestedPerClass(RedisServerProcess redis) {
			this.redis = redis;
		}

		@Test
		void sharesTheEnclosingClassServer() {
			assertThat(this.redis).isSameAs(injectedIntoBeforeAll);
			assertThat(this.redis.isRunning()).isTrue();
		}

	}

	private static RedisClient client(RedisServerProcess redis) {
		RedisClient client = RedisClient.create(resources,
				RedisURI.builder().withHost(redis.host()).withPort(redis.port()).withTimeout(Duration.ofSeconds(2)).build());
		client.setOptions(ClientOptions.builder()
			.autoReconnect(false)
			.socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
			.build());
		return client;
	}

	private static void withClient(RedisServerProcess redis, Consumer<RedisCommands<String, String>> consumer) {
		RedisClient client = client(redis);
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			consumer.accept(connection.sync());
		}
		finally {
			client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		}
	}

}
