package dev.nearcache.sample.catalog;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import redis.embedded.core.ExecutableProvider;
import redis.embedded.model.OsArchitecture;

/**
 * A {@code redis-server} child process on a free loopback port, for the sample's tests: the one on {@code PATH},
 * else the binary shipped in the embedded-redis jar. (The autoconfigure module's {@code RedisServerProcess} does
 * more, restarts and outages; these tests only need a server.)
 */
final class TestRedis implements AutoCloseable {

	private final Process process;

	private final int port;

	private final Path workDir;

	private TestRedis(Process process, int port, Path workDir) {
		this.process = process;
		this.port = port;
		this.workDir = workDir;
	}

	static TestRedis start() {
		try {
			Path workDir = Files.createTempDirectory("catalog-test-redis-");
			Path executable = executable(workDir);
			int port = freePort();
			Process process = new ProcessBuilder(executable.toString(), "--port", String.valueOf(port), "--bind",
					"127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workDir.toString())
				.redirectErrorStream(true)
				.redirectOutput(workDir.resolve("redis.log").toFile())
				.start();
			TestRedis redis = new TestRedis(process, port, workDir);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!ping(port)) {
				if (!process.isAlive() || System.nanoTime() > deadline) {
					redis.close();
					throw new IllegalStateException(executable + " did not answer PING on port " + port + ": "
							+ Files.readString(workDir.resolve("redis.log")));
				}
				Thread.sleep(50);
			}
			return redis;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	int port() {
		return this.port;
	}

	/** A loopback port nobody listens on, for an unreachable Redis. */
	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	static boolean onPath(String command) {
		return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
			.filter((dir) -> !dir.isBlank())
			.map((dir) -> Path.of(dir, command))
			.anyMatch(Files::isExecutable);
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		try (var paths = Files.walk(this.workDir)) {
			paths.sorted((a, b) -> b.compareTo(a)).forEach((path) -> path.toFile().delete());
		}
		catch (IOException ex) {
			// best effort
		}
	}

	private static Path executable(Path workDir) throws IOException {
		for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			Path candidate = dir.isBlank() ? null : Path.of(dir, "redis-server");
			if (candidate != null && Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		String resource = ExecutableProvider.newProvidedVersionsMap().get(OsArchitecture.detectOSandArchitecture());
		try (InputStream in = (resource != null) ? ExecutableProvider.class.getResourceAsStream(resource) : null) {
			if (in == null) {
				throw new IllegalStateException("No redis-server on PATH and none in embedded-redis for this platform");
			}
			Path binary = workDir.resolve("redis-server");
			Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
			binary.toFile().setExecutable(true);
			return binary;
		}
	}

	private static boolean ping(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
			socket.setSoTimeout(500);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			byte[] reply = socket.getInputStream().readNBytes(5);
			return "+PONG".equals(new String(reply, StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			return false;
		}
	}

}
