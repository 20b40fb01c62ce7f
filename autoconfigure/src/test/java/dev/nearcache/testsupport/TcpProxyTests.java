package dev.nearcache.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Proves that {@link TcpProxy} forwards to a real Redis and that its cut and stall faults
 * look to a Lettuce client like a dropped and a silent network respectively.
 */
@ExtendWith(RedisServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpProxyTests {

	private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);

	private static ClientResources resources;

	private final TcpProxy proxy;

	private final RedisClient client;

	TcpProxyTests(RedisServerProcess redis) {
		this.proxy = TcpProxy.to(redis);
		this.client = RedisClient.create(resources, RedisURI.builder()
			.withHost(this.proxy.host())
			.withPort(this.proxy.port())
			.withTimeout(COMMAND_TIMEOUT)
			.build());
		this.client.setOptions(ClientOptions.builder()
			.autoReconnect(false)
			.socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build())
			.build());
	}

	@BeforeAll
	static void createResources() {
		resources = DefaultClientResources.create();
	}

	@AfterAll
	static void shutdownResources() {
		resources.shutdown(0, 2, TimeUnit.SECONDS);
	}

	@AfterEach
	void closeProxy() {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.proxy.close();
	}

	@Test
	void forwardsCommands() {
		try (StatefulRedisConnection<String, String> connection = this.client.connect()) {
			assertThat(connection.sync().ping()).isEqualTo("PONG");
			assertThat(connection.sync().set("proxied", "yes")).isEqualTo("OK");
			assertThat(connection.sync().get("proxied")).isEqualTo("yes");
		}
	}

	@Test
	void cutClosesOpenConnectionsAndRefusesNewOnesUntilRestored() {
		StatefulRedisConnection<String, String> existing = this.client.connect();
		assertThat(existing.sync().ping()).isEqualTo("PONG");

		this.proxy.cut();

		await().atMost(Duration.ofSeconds(5)).until(() -> !existing.isOpen());
		assertThatThrownBy(() -> existing.sync().ping()).isInstanceOf(RedisException.class);
		assertThatThrownBy(this.client::connect).isInstanceOf(RedisException.class);
		assertThat(this.proxy.connectionCount()).isZero();

		this.proxy.restore();

		try (StatefulRedisConnection<String, String> fresh = this.client.connect()) {
			assertThat(fresh.sync().ping()).isEqualTo("PONG");
		}
		existing.close();
	}

	@Test
	void stallHoldsCommandsUntilRestored() {
		try (StatefulRedisConnection<String, String> connection = this.client.connect()) {
			assertThat(connection.sync().ping()).isEqualTo("PONG");

			this.proxy.stall();

			long start = System.nanoTime();
			assertThatThrownBy(() -> connection.sync().ping()).isInstanceOf(RedisCommandTimeoutException.class);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
			assertThat(connection.isOpen()).as("stall keeps the socket open").isTrue();

			this.proxy.restore();

			// the held PING is delivered late and its reply discarded; new commands work
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(connection.sync().ping()).isEqualTo("PONG"));
		}
		try (StatefulRedisConnection<String, String> fresh = this.client.connect()) {
			assertThat(fresh.sync().ping()).isEqualTo("PONG");
		}
	}

	@Test
	void stallHoldsBytesRatherThanDroppingThem() throws IOException {
		try (Socket socket = new Socket(this.proxy.host(), this.proxy.port())) {
			socket.setSoTimeout((int) COMMAND_TIMEOUT.toMillis());
			this.proxy.stall();
			socket.getOutputStream().write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
			socket.getOutputStream().flush();
			InputStream in = socket.getInputStream();
			assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);

			this.proxy.restore();

			socket.setSoTimeout(5000);
			assertThat(in.readNBytes(7)).asString(StandardCharsets.US_ASCII).isEqualTo("+PONG\r\n");
		}
	}

	@Test
	void cutDuringStallReleasesHeldConnections() {
		StatefulRedisConnection<String, String> connection = this.client.connect();
		this.proxy.stall();
		assertThatThrownBy(() -> connection.sync().ping()).isInstanceOf(RedisCommandTimeoutException.class);

		this.proxy.cut();

		await().atMost(Duration.ofSeconds(5)).until(() -> !connection.isOpen());
		assertThat(this.proxy.connectionCount()).isZero();
		connection.close();
	}

	@Test
	void closeLeavesNoThreadsBehind() {
		StatefulRedisConnection<String, String> connection = this.client.connect();
		assertThat(connection.sync().ping()).isEqualTo("PONG");
		this.proxy.stall();
		String prefix = "tcp-proxy-" + this.proxy.port() + "-";
		assertThat(proxyThreads(prefix)).isGreaterThanOrEqualTo(3);

		this.proxy.close();

		assertThat(proxyThreads(prefix)).isZero();
		connection.close();
	}

	private static long proxyThreads(String prefix) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith(prefix) && thread.isAlive())
			.count();
	}

}
