package dev.nearcache.integration;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;

import dev.nearcache.testsupport.TlsRedisServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The invalidation channel works over TLS (with the Redis on PATH, and with the embedded Redis 6.2), configured
 * the Spring Boot way: an SSL bundle ({@code spring.ssl.bundle.pem.*}) that trusts the test's certificate
 * authority, named by {@code spring.data.redis.ssl.bundle}. The server has no plaintext port. One instance shares
 * the application's connection, the other has a separate one as a restricted ACL user
 * ({@code nearcache.redis.username}), which proves that the separate connection inherits the application's SSL
 * settings.
 */
class TlsTransportTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	@Test
	void twoInstancesStayCoherentOverTlsWithTheRedisOnPath() {
		try (TlsRedisServer redis = TlsRedisServer.startOrSkip()) {
			twoInstancesStayCoherent(redis);
		}
	}

	@Test
	void twoInstancesStayCoherentOverTlsWithRedis62() {
		try (TlsRedisServer redis = TlsRedisServer.startEmbeddedOrSkip()) {
			twoInstancesStayCoherent(redis);
		}
	}

	private void twoInstancesStayCoherent(TlsRedisServer redis) {
		assertThat(redis.answersPlaintext()).as("plaintext PING on the TLS-only port").isFalse();
		createRestrictedUser(redis);
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 5; id++) {
			CatalogTestApplication.database.put(id, "product-" + id);
		}
		String[] tls = { "spring.ssl.bundle.pem.redis-test.truststore.certificate=file:" + redis.caCertificate(),
				"spring.data.redis.ssl.enabled=true", "spring.data.redis.ssl.bundle=redis-test" };
		try (Instance shared = Instance.start(redis.port(), tls);
				Instance separate = Instance.start(redis.port(), with(tls, "nearcache.redis.username=nearcache",
						"nearcache.redis.password=nearcache-secret"))) {
			await().atMost(DEADLINE).until(() -> shared.subscribed() && separate.subscribed());
			shared.service().find(1L);
			separate.service().find(1L);
			shared.service().delete(1L);
			await().atMost(DEADLINE).until(() -> !separate.holds("products", 1L));
			shared.service().find(2L);
			separate.invalidator().invalidate("products", 2L);
			await().atMost(DEADLINE).until(() -> !shared.holds("products", 2L));
			assertThat(shared.statistics().applied()).isPositive();
			assertThat(separate.statistics().applied()).isPositive();
		}
	}

	private static void createRestrictedUser(TlsRedisServer redis) {
		RedisClient admin = RedisClient.create(RedisURI.builder()
			.withHost(redis.host())
			.withPort(redis.port())
			.withSsl(true)
			.build());
		admin.setOptions(ClientOptions.builder()
			.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(redis.caCertificate().toFile()).build())
			.build());
		try (StatefulRedisConnection<String, String> connection = admin.connect()) {
			RedisCommands<String, String> commands = connection.sync();
			LeastPrivilegeTests.setUser(commands, "nearcache", LeastPrivilegeTests.ACL_RULES);
		}
		finally {
			admin.shutdown();
		}
	}

	private static String[] with(String[] properties, String... more) {
		String[] all = new String[properties.length + more.length];
		System.arraycopy(properties, 0, all, 0, properties.length);
		System.arraycopy(more, 0, all, properties.length, more.length);
		return all;
	}

}
