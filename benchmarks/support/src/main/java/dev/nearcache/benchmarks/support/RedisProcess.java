package dev.nearcache.benchmarks.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} from {@code PATH} (or {@code $REDIS_SERVER}) on a free loopback port, persisting
 * nothing, started and stopped by the benchmark that uses it so that runs never share or leave a server.
 */
public final class RedisProcess implements AutoCloseable {

	private final Process process;

	private final int port;

	private RedisProcess(Process process, int port) {
		this.process = process;
		this.port = port;
	}

	/**
	 * Start a server and wait until it answers {@code PING}.
	 * @return the running server
	 */
	public static RedisProcess start() {
		String binary = System.getenv().getOrDefault("REDIS_SERVER", "redis-server");
		int port = freePort();
		try {
			Process process = new ProcessBuilder(List.of(binary, "--port", String.valueOf(port), "--bind", "127.0.0.1",
					"--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning"))
				.redirectErrorStream(true)
				.redirectOutput(new File(System.getProperty("java.io.tmpdir"), "nearcache-bench-redis-" + port + ".log"))
				.start();
			RedisProcess redis = new RedisProcess(process, port);
			Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
			redis.awaitPong(Duration.ofSeconds(10));
			return redis;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not start " + binary + " (set REDIS_SERVER or put it on PATH)", ex);
		}
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void awaitPong(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("redis-server exited with " + this.process.exitValue());
			}
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", this.port), 200);
				OutputStream out = socket.getOutputStream();
				out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				InputStream in = socket.getInputStream();
				byte[] reply = new byte[7];
				if (in.read(reply) > 0 && new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG")) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		close();
		throw new IllegalStateException("redis-server did not answer PING on port " + this.port);
	}

	/**
	 * Return the port the server listens on (loopback only).
	 * @return the port
	 */
	public int port() {
		return this.port;
	}

	/**
	 * Return the address of the server for Redis clients.
	 * @return {@code redis://127.0.0.1:<port>}
	 */
	public String uri() {
		return "redis://127.0.0.1:" + this.port;
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(5, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
		}
	}

}
