package dev.nearcache.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.nearcache.invalidation.DropReason;
import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Instances with a signing secret on one real Redis: they stay coherent with each other, a rotating instance
 * accepts both secrets, and unsigned, forged, wrongly keyed and replayed messages are dropped, counted, and
 * evict nothing.
 */
@ExtendWith(RedisServerExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedChannelTests {

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private static final String SECRET = "signed-channel-tests-secret-0123456789";

	private static final String OLD_SECRET = "signed-channel-tests-old-secret-987654";

	private static final String CHANNEL = "nearcache:signed-test";

	private Instance a;

	private Instance b;

	private Instance rotating;

	private Instance old;

	private RedisClient rawClient;

	private StatefulRedisConnection<byte[], byte[]> raw;

	@BeforeAll
	void startInstances(RedisServerProcess redis) {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		String[] signed = { "nearcache.channel=" + CHANNEL, "nearcache.security.signing.secret=" + SECRET };
		this.a = Instance.start(redis.port(), signed);
		this.b = Instance.start(redis.port(), signed);
		this.rotating = Instance.start(redis.port(), "nearcache.channel=" + CHANNEL,
				"nearcache.security.signing.secret=" + SECRET, "nearcache.security.signing.previous-secret=" + OLD_SECRET);
		this.old = Instance.start(redis.port(), "nearcache.channel=" + CHANNEL,
				"nearcache.security.signing.secret=" + OLD_SECRET);
		await().atMost(DEADLINE).until(() -> instances().stream().allMatch(Instance::subscribed));
		this.rawClient = RedisClient.create(redis.redisUri());
		this.raw = this.rawClient.connect(ByteArrayCodec.INSTANCE);
	}

	@AfterAll
	void stopInstances() {
		this.raw.close();
		this.rawClient.shutdown();
		instances().forEach(Instance::close);
	}

	private List<Instance> instances() {
		return List.of(this.a, this.b, this.rotating, this.old);
	}

	@BeforeEach
	void resetData() {
		instances().forEach((instance) -> instance.cacheManager().clearAllLocally());
		CatalogTestApplication.database.clear();
		for (long id = 1; id <= 20; id++) {
			CatalogTestApplication.database.put(id, "product-" + id);
		}
	}

	@Test
	void instancesSharingTheSecretStayCoherent() {
		readEverywhere(1L);
		long appliedOnB = this.b.statistics().applied();
		this.a.service().delete(1L);
		await().atMost(DEADLINE).until(() -> !this.b.holds("products", 1L) && !this.rotating.holds("products", 1L));
		assertThat(this.b.statistics().applied()).isGreaterThan(appliedOnB);
	}

	@Test
	void instanceWithAnotherSecretIsNotHeardButCounted() {
		readEverywhere(2L);
		long badOnA = this.a.statistics().dropped(DropReason.BAD_SIGNATURE);
		this.old.service().delete(2L);
		// The rotating instance accepts the old secret, so it proves the message went out.
		await().atMost(DEADLINE).until(() -> !this.rotating.holds("products", 2L)
				&& this.a.statistics().dropped(DropReason.BAD_SIGNATURE) > badOnA);
		assertThat(this.a.holds("products", 2L)).isTrue();
		assertThat(this.b.holds("products", 2L)).isTrue();
	}

	@Test
	void rotatingInstanceSignsWithTheCurrentSecret() {
		readEverywhere(3L);
		long badOnOld = this.old.statistics().dropped(DropReason.BAD_SIGNATURE);
		this.rotating.service().delete(3L);
		await().atMost(DEADLINE).until(() -> !this.a.holds("products", 3L) && !this.b.holds("products", 3L)
				&& this.old.statistics().dropped(DropReason.BAD_SIGNATURE) > badOnOld);
		assertThat(this.old.holds("products", 3L)).isTrue();
	}

	@Test
	void unsignedForgedAndReplayedMessagesEvictNothing() {
		readEverywhere(4L);
		long unsigned = this.a.statistics().dropped(DropReason.UNSIGNED);
		long bad = this.a.statistics().dropped(DropReason.BAD_SIGNATURE);
		long expired = this.a.statistics().dropped(DropReason.EXPIRED);
		long now = System.currentTimeMillis();
		publish("{\"v\":1,\"type\":\"invalidate\",\"ts\":" + now + ",\"cache\":\"products\",\"keys\":[\"4\"]}");
		publish("{\"v\":1,\"type\":\"clear\"}");
		publish(envelope(body(now, "4"), "00".repeat(32)));
		publish(envelope(body(now - Duration.ofMinutes(5).toMillis(), "4"),
				sign(SECRET, body(now - Duration.ofMinutes(5).toMillis(), "4"))));
		await().atMost(DEADLINE).until(() -> this.a.statistics().dropped(DropReason.UNSIGNED) == unsigned + 2
				&& this.a.statistics().dropped(DropReason.BAD_SIGNATURE) == bad + 1
				&& this.a.statistics().dropped(DropReason.EXPIRED) == expired + 1);
		assertThat(instances()).allMatch((instance) -> instance.holds("products", 4L));
	}

	@Test
	void messageSignedByAnotherLanguageIsApplied() {
		readEverywhere(5L);
		String body = body(System.currentTimeMillis(), "5");
		publish(envelope(body, sign(SECRET, body)));
		await().atMost(DEADLINE).until(() -> !this.a.holds("products", 5L) && !this.b.holds("products", 5L)
				&& !this.rotating.holds("products", 5L));
		assertThat(this.old.holds("products", 5L)).isTrue();
	}

	private void readEverywhere(long id) {
		instances().forEach((instance) -> instance.service().find(id));
		assertThat(instances()).allMatch((instance) -> instance.holds("products", id));
	}

	private static String body(long ts, String key) {
		return "{\"v\":1,\"type\":\"invalidate\",\"origin\":\"python-publisher\",\"ts\":" + ts
				+ ",\"cache\":\"products\",\"keys\":[\"" + key + "\"]}";
	}

	/** The envelope as a publisher in any language builds it: the body's quotes escaped as a JSON string. */
	private static String envelope(String body, String sig) {
		return "{\"v\":1,\"type\":\"signed\",\"sig\":\"" + sig + "\",\"body\":\"" + body.replace("\"", "\\\"") + "\"}";
	}

	/** Plain JCA, independent of nearcache's signing code. */
	private static String sign(String secret, String body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
			return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void publish(String message) {
		this.raw.sync().publish(CHANNEL.getBytes(StandardCharsets.UTF_8), message.getBytes(StandardCharsets.UTF_8));
	}

}
