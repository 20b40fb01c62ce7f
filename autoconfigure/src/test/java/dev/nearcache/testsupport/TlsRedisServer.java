package dev.nearcache.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} that accepts TLS connections only ({@code --port 0 --tls-port <free>}), with a
 * certificate authority and a server certificate (for {@code 127.0.0.1} and {@code localhost}) generated for
 * the occasion with the JDK's {@code keytool}, so that nothing but a JDK and a TLS-enabled Redis is needed.
 * <p>
 * {@link #startOrSkip()} runs the {@code redis-server} on {@code PATH} (Debian's is built with TLS),
 * {@link #startEmbeddedOrSkip()} the embedded-redis binary (Redis 6.2, built with TLS but linked against the
 * system's OpenSSL); either skips the calling test, with the reason, if that binary is missing or cannot do TLS
 * here. Clients verify the server against {@link #caCertificate()}; client certificates are not required. Each
 * server has a temp dir (certificates, log), deleted on {@link #close()}.
 */
public final class TlsRedisServer implements AutoCloseable {

	private static final String HOST = "127.0.0.1";

	private static final String STORE_PASSWORD = "changeit";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private final Path workDir;

	private final int port;

	private final Process process;

	private TlsRedisServer(Path workDir, int port, Process process) {
		this.workDir = workDir;
		this.port = port;
		this.process = process;
	}

	/**
	 * Generate certificates and start a TLS-only server, or skip the test if that is not possible here.
	 * @return a server that has answered {@code PING} over TLS
	 */
	public static TlsRedisServer startOrSkip() {
		Optional<Path> executable = redisServerOnPath();
		Assumptions.assumeTrue(executable.isPresent(), "no redis-server on PATH");
		return start(executable.get());
	}

	/**
	 * Like {@link #startOrSkip()}, with the Redis 6.2 binary bundled in the embedded-redis jar.
	 * @return a server that has answered {@code PING} over TLS
	 */
	public static TlsRedisServer startEmbeddedOrSkip() {
		Assumptions.assumeTrue(RedisServerProcess.embeddedBinaryAvailable(),
				"the embedded-redis jar has no binary for this OS and architecture");
		return start(RedisServerProcess.embeddedExecutable());
	}

	private static TlsRedisServer start(Path executable) {
		Path workDir;
		Path certificates = Certificates.dir();
		try {
			workDir = Files.createTempDirectory("tls-redis-server-");
			for (String file : List.of("ca.crt", "server.crt", "server.key")) {
				Files.copy(certificates.resolve(file), workDir.resolve(file));
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not copy the certificates", ex);
		}
		int port = freePort();
		List<String> command = List.of(executable.toString(), "--port", "0", "--tls-port", String.valueOf(port),
				"--bind", HOST, "--tls-cert-file", workDir.resolve("server.crt").toString(), "--tls-key-file",
				workDir.resolve("server.key").toString(), "--tls-ca-cert-file", workDir.resolve("ca.crt").toString(),
				"--tls-auth-clients", "no", "--save", "", "--appendonly", "no", "--dir", workDir.toString(),
				"--daemonize", "no");
		Path log = workDir.resolve("redis-server.log");
		Process process;
		try {
			process = new ProcessBuilder(command).directory(workDir.toFile())
				.redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not execute " + executable, ex);
		}
		TlsRedisServer server = new TlsRedisServer(workDir, port, process);
		Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "tls-redis-server-reaper"));
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline && process.isAlive()) {
			if (server.pingOverTls()) {
				return server;
			}
			sleep(50);
		}
		boolean exited = !process.isAlive();
		String output = read(log);
		server.close();
		String lower = output.toLowerCase(Locale.ROOT);
		Assumptions.assumeFalse(exited && (lower.contains("tls") || lower.contains("libssl")),
				executable + " cannot serve TLS here: " + output.strip());
		throw new IllegalStateException(executable + " did not answer PING over TLS on port " + port + ":\n" + output);
	}

	public String host() {
		return HOST;
	}

	/** The TLS port, the server's only one. */
	public int port() {
		return this.port;
	}

	/** PEM file of the certificate authority that signed the server's certificate: what clients trust. */
	public Path caCertificate() {
		return this.workDir.resolve("ca.crt");
	}

	/** Whether the port answers a plaintext {@code PING}; a TLS-only server never does. */
	public boolean answersPlaintext() {
		try (Socket socket = new Socket(HOST, this.port)) {
			socket.setSoTimeout(1000);
			return pingOn(socket);
		}
		catch (IOException ex) {
			return false;
		}
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
		deleteRecursively(this.workDir);
	}

	private boolean pingOverTls() {
		try {
			KeyStore trusted = KeyStore.getInstance("PKCS12");
			trusted.load(null, null);
			try (InputStream in = Files.newInputStream(caCertificate())) {
				trusted.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
			}
			TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			trust.init(trusted);
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(null, trust.getTrustManagers(), null);
			try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(HOST, this.port)) {
				socket.setSoTimeout(1000);
				return pingOn(socket);
			}
		}
		catch (IOException | GeneralSecurityException ex) {
			return false;
		}
	}

	private static boolean pingOn(Socket socket) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
		out.flush();
		InputStream in = socket.getInputStream();
		for (byte b : "+PONG\r\n".getBytes(StandardCharsets.US_ASCII)) {
			if (in.read() != b) {
				return false;
			}
		}
		return true;
	}

	private static void deleteRecursively(Path dir) {
		try (Stream<Path> files = Files.walk(dir)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
		catch (IOException | UncheckedIOException ex) {
			// best effort: a temp dir
		}
	}

	/** The certificates, generated once per JVM (keytool takes seconds) and deleted when it exits. */
	private static final class Certificates {

		private static @org.jspecify.annotations.Nullable Path dir;

		static synchronized Path dir() {
			if (dir == null) {
				try {
					Path generated = Files.createTempDirectory("tls-redis-certificates-");
					Runtime.getRuntime()
						.addShutdownHook(new Thread(() -> deleteRecursively(generated), "tls-certificates-reaper"));
					generateCertificates(generated);
					dir = generated;
				}
				catch (IOException ex) {
					throw new UncheckedIOException("Could not generate certificates", ex);
				}
			}
			return dir;
		}

	}

	/**
	 * A CA, and a server key pair whose certificate the CA signs for 127.0.0.1 and localhost, with keytool; the
	 * server's private key is then written as PKCS#8 PEM, which Redis (OpenSSL) reads.
	 */
	private static void generateCertificates(Path dir) throws IOException {
		keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname",
				"CN=nearcache test CA", "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
		keytool(dir, "-exportcert", "-alias", "ca", "-rfc", "-file", "ca.crt", "-keystore", "ca.p12");
		keytool(dir, "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname",
				"CN=localhost", "-validity", "2", "-keystore", "server.p12");
		keytool(dir, "-certreq", "-alias", "server", "-file", "server.csr", "-keystore", "server.p12");
		keytool(dir, "-gencert", "-alias", "ca", "-infile", "server.csr", "-outfile", "server.crt", "-rfc", "-ext",
				"SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", "ca.p12");
		try {
			KeyStore server = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
				server.load(in, STORE_PASSWORD.toCharArray());
			}
			PrivateKey key = (PrivateKey) server.getKey("server", STORE_PASSWORD.toCharArray());
			Base64.Encoder pem = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
			Files.writeString(dir.resolve("server.key"), "-----BEGIN PRIVATE KEY-----\n"
					+ pem.encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Could not read the generated server key", ex);
		}
	}

	private static void keytool(Path dir, String... arguments) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
		command.addAll(List.of(arguments));
		command.addAll(List.of("-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-noprompt"));
		Path output = dir.resolve("keytool.log");
		Process keytool = new ProcessBuilder(command).directory(dir.toFile())
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
			.start();
		try {
			if (!keytool.waitFor(30, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
				keytool.destroyForcibly();
				throw new IllegalStateException("keytool " + String.join(" ", arguments) + " failed:\n" + read(output));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while running keytool", ex);
		}
	}

	private static Optional<Path> redisServerOnPath() {
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		for (String dir : path.split(File.pathSeparator)) {
			if (!dir.isBlank()) {
				Path candidate = Path.of(dir, "redis-server");
				if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
					return Optional.of(candidate);
				}
			}
		}
		return Optional.empty();
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not find a free loopback port", ex);
		}
	}

	private static String read(Path file) {
		try {
			return Files.readString(file);
		}
		catch (IOException ex) {
			return "<could not read " + file + ": " + ex + ">";
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for redis-server", ex);
		}
	}

}
