package dev.nearcache.sample.catalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A non-Java service can invalidate the catalog's caches: hand-written version 1 messages, published with a raw
 * Redis client, evict on a running catalog. The messages are the ones {@code docs/protocol.md} shows, read from the
 * document itself, so the documentation cannot drift from what works; then the example publishers in
 * {@code samples/interop}.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:catalog-interop;DB_CLOSE_DELAY=-1")
class CatalogInteropTests {

	private static final Path PROTOCOL_DOC = Path.of("../../docs/protocol.md");

	private static final Path INTEROP = Path.of("../interop");

	private static final Pattern DOCUMENTED_PUBLISH = Pattern.compile("^redis-cli PUBLISH (\\S+) '(.+)'$");

	private static final Duration DEADLINE = Duration.ofSeconds(10);

	private static TestRedis redis;

	@LocalServerPort
	private int port;

	@Autowired
	private CacheManager cacheManager;

	@Autowired
	private InvalidationStatistics statistics;

	private RestClient client;

	@DynamicPropertySource
	static void redis(DynamicPropertyRegistry registry) {
		redis = TestRedis.start();
		registry.add("spring.data.redis.port", redis::port);
	}

	@AfterAll
	static void stopRedis() {
		if (redis != null) {
			redis.close();
		}
	}

	@BeforeEach
	void setUp() {
		this.client = RestClient.builder()
			.baseUrl("http://localhost:" + this.port)
			.defaultStatusHandler((status) -> true, (request, response) -> {
			})
			.build();
		this.cacheManager.getCacheNames().forEach((name) -> this.cacheManager.getCache(name).clear());
		await().atMost(DEADLINE).until(() -> this.statistics.state() == TransportState.SUBSCRIBED);
	}

	@Test
	void documentedInvalidateMessageEvictsTheKey() throws IOException {
		List<String[]> documented = documentedPublishes();
		String[] invalidate = documented.get(0);
		assertThat(invalidate[1]).isEqualTo("{\"v\":1,\"type\":\"invalidate\",\"cache\":\"products\",\"keys\":[\"42\"]}");
		assertThat(invalidate[0]).isEqualTo(this.statistics.channel());
		read(42);
		assertThat(products().get(42L)).as("the cached 'not found' of product 42").isNotNull();
		read(1);

		assertThat(publish(invalidate[0], invalidate[1])).as("subscribers").isEqualTo(1);

		await().atMost(DEADLINE).until(() -> products().get(42L) == null);
		assertThat(products().get(1L)).isNotNull();
		assertNothingDropped();
	}

	@Test
	void documentedClearMessageClearsTheCache() throws IOException {
		String[] clear = documentedPublishes().get(1);
		assertThat(clear[1]).isEqualTo("{\"v\":1,\"type\":\"clear\",\"cache\":\"products\"}");
		read(1);
		read(2);
		this.client.get().uri("/products?category=kitchen").retrieve().toBodilessEntity();

		assertThat(publish(clear[0], clear[1])).isEqualTo(1);

		await().atMost(DEADLINE).until(() -> products().get(1L) == null && products().get(2L) == null);
		assertThat(this.cacheManager.getCache("productsByCategory").get("kitchen")).isNotNull();
		assertNothingDropped();
	}

	@Test
	void shellPublisherEvicts() throws Exception {
		assumeTrue(TestRedis.onPath("redis-cli"), "redis-cli is not on PATH");
		read(3);

		assertThat(run("bash", INTEROP.resolve("publish.sh").toString(), "invalidate", "products", "3")).isEqualTo("1");

		await().atMost(DEADLINE).until(() -> products().get(3L) == null);
		assertNothingDropped();
	}

	@Test
	void pythonPublisherEvictsAndClears() throws Exception {
		assumeTrue(TestRedis.onPath("python3"), "python3 is not on PATH");
		read(4);
		read(5);
		this.client.get().uri("/products?category=office").retrieve().toBodilessEntity();

		assertThat(run("python3", INTEROP.resolve("publish.py").toString(), "invalidate", "products", "4"))
			.isEqualTo("1");
		await().atMost(DEADLINE).until(() -> products().get(4L) == null);
		assertThat(products().get(5L)).isNotNull();

		assertThat(run("python3", INTEROP.resolve("publish.py").toString(), "clear")).isEqualTo("1");
		await().atMost(DEADLINE).until(() -> products().get(5L) == null
				&& this.cacheManager.getCache("productsByCategory").get("office") == null);
		assertNothingDropped();
	}

	/** Channel and message of every {@code redis-cli PUBLISH} line of docs/protocol.md, in order. */
	private static List<String[]> documentedPublishes() throws IOException {
		List<String[]> publishes = Files.readAllLines(PROTOCOL_DOC, StandardCharsets.UTF_8)
			.stream()
			.map(DOCUMENTED_PUBLISH::matcher)
			.filter(Matcher::matches)
			.map((matcher) -> new String[] { matcher.group(1), matcher.group(2) })
			.toList();
		assertThat(publishes).as("redis-cli PUBLISH examples in " + PROTOCOL_DOC).hasSizeGreaterThanOrEqualTo(2);
		return publishes;
	}

	/** Publishes with a raw Lettuce connection, as any non-Spring client would. */
	private static long publish(String channel, String message) {
		RedisClient client = RedisClient.create("redis://127.0.0.1:" + redis.port());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return connection.sync().publish(channel, message);
		}
		finally {
			client.shutdown();
		}
	}

	private static String run(String... command) throws Exception {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
		builder.environment().put("REDIS_PORT", String.valueOf(redis.port()));
		builder.environment().put("REDIS_HOST", "127.0.0.1");
		Process process = builder.start();
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

	private void read(long id) {
		this.client.get().uri("/products/{id}", id).retrieve().toBodilessEntity();
	}

	private Cache products() {
		return this.cacheManager.getCache("products");
	}

	private void assertNothingDropped() {
		Map<?, Long> dropped = this.statistics.droppedByReason();
		assertThat(dropped.values()).allMatch((count) -> count == 0);
	}

}
