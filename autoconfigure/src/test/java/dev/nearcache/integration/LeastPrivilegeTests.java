package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * nearcache needs no more of Redis than {@link #ACL_RULES} allow (PUBLISH, SUBSCRIBE, UNSUBSCRIBE and PING on its
 * one channel): two instances whose nearcache connection logs in as a user with exactly these rights stay
 * coherent, Redis's ACL log records no command or channel nearcache was refused (removing {@code +ping} or
 * {@code +unsubscribe} makes it record one), and the user really is that restricted. {@code docs/security.md}
 * quotes the rules; keep the two in step.
 */
class LeastPrivilegeTests {

	/**
	 * The rules of {@code docs/security.md}'s {@code ACL SETUSER nearcache ...} line, for the channel of
	 * {@link Instance}'s application ({@code spring.application.name=coherence-test}).
	 */
	static final String ACL_RULES = "on >nearcache-secret resetchannels &nearcache:coherence-test -@all +publish "
			+ "+subscribe +unsubscribe +ping";

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	@Test
	void aUserAllowedOnlyPubSubAndPingOnItsChannelSufficesWithTheRedisOnPath() {
		Assumptions.assumeTrue(RedisServerProcess.onPath(), "no redis-server on PATH");
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			nearcacheWorksAsTheRestrictedUser(redis);
		}
	}

	@Test
	void theSameRulesSufficeWithRedis62() {
		Assumptions.assumeTrue(RedisServerProcess.embeddedBinaryAvailable(),
				"the embedded-redis jar has no Redis 6.2 binary for this OS and architecture");
		try (RedisServerProcess redis = RedisServerProcess.startEmbedded()) {
			nearcacheWorksAsTheRestrictedUser(redis);
		}
	}

	private void nearcacheWorksAsTheRestrictedUser(RedisServerProcess redis) {
		RedisClient admin = RedisClient.create(redis.redisUri());
		try (StatefulRedisConnection<String, String> connection = admin.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			setUser(commands, "nearcache", ACL_RULES);
			commands.aclLogReset();
			CatalogTestApplication.database = new ConcurrentHashMap<>();
			for (long id = 1; id <= 5; id++) {
				CatalogTestApplication.database.put(id, "product-" + id);
			}
			try (Instance a = Instance.start(redis.port(), "nearcache.redis.username=nearcache",
					"nearcache.redis.password=nearcache-secret");
					Instance b = Instance.start(redis.port(), "nearcache.redis.username=nearcache",
							"nearcache.redis.password=nearcache-secret")) {
				await().atMost(DEADLINE).until(() -> a.subscribed() && b.subscribed());
				a.service().find(1L);
				b.service().find(1L);
				a.service().delete(1L);
				await().atMost(DEADLINE).until(() -> !b.holds("products", 1L));
				b.service().deleteAll();
				a.service().find(2L);
				b.invalidator().invalidate("products", 2L);
				await().atMost(DEADLINE).until(() -> !a.holds("products", 2L));

				// nearcache's subscription is the restricted user's; the application keeps its own connection.
				assertThat(commands.clientList()).containsPattern("cmd=subscribe user=nearcache ");
				assertThat(a.context.getBeansOfType(RedisConnectionFactory.class)).hasSize(1);
				StringRedisTemplate template = a.context.getBean(StringRedisTemplate.class);
				template.opsForValue().set("app-key", "written by the application's own user");
				assertThat(template.opsForValue().get("app-key")).startsWith("written");
			}
			// Lettuce sends CLIENT SETINFO fire-and-forget on connect and ignores the answer; Redis 6.2 logs the
			// refusal (7.0 does not know the sub-command). Nothing else may have been refused.
			List<Object> refused = commands.aclLog()
				.stream()
				.filter((entry) -> !"client".equals(entry.get("object")))
				.map((entry) -> (Object) entry)
				.toList();
			assertThat(refused).as("commands or channels refused to nearcache (ACL LOG)").isEmpty();
			assertRestricted(redis);
		}
		finally {
			admin.shutdown();
		}
	}

	/** A test of the test: the user can neither read data nor use another channel, not even another nearcache one. */
	private static void assertRestricted(RedisServerProcess redis) {
		RedisClient restricted = RedisClient.create(RedisURI.builder()
			.withHost(redis.host())
			.withPort(redis.port())
			.withAuthentication("nearcache", "nearcache-secret")
			.build());
		try (StatefulRedisConnection<String, String> connection = restricted.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			assertThat(commands.ping()).isEqualTo("PONG");
			assertThat(commands.publish("nearcache:coherence-test", "not json")).isZero();
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> commands.publish("nearcache:other-app", "{\"v\":1,\"type\":\"clear\"}"))
				.withMessageContaining("NOPERM");
			assertThatExceptionOfType(RedisCommandExecutionException.class).isThrownBy(() -> commands.get("app-key"))
				.withMessageContaining("NOPERM");
			assertThatExceptionOfType(RedisCommandExecutionException.class)
				.isThrownBy(() -> commands.publish("orders", "hello"))
				.withMessageContaining("NOPERM");
			assertThatExceptionOfType(RedisCommandExecutionException.class).isThrownBy(() -> commands.keys("*"))
				.withMessageContaining("NOPERM");
		}
		finally {
			restricted.shutdown();
		}
	}

	static void setUser(RedisCommands<String, String> commands, String user, String rules) {
		List<String> arguments = new ArrayList<>(List.of("SETUSER", user));
		arguments.addAll(Arrays.asList(rules.split(" ")));
		String reply = commands.dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8),
				new CommandArgs<>(StringCodec.UTF8).addValues(arguments));
		assertThat(reply).isEqualTo("OK");
	}

}
