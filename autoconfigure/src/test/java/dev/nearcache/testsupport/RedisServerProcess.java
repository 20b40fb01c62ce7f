package dev.nearcache.testsupport;

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
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import redis.embedded.core.ExecutableProvider;
import redis.embedded.model.OsArchitecture;

/**
 * A real {@code redis-server} child process on a free loopback port.
 * <p>
 * Tests of the invalidation transport need a server they can kill and bring back on the
 * <em>same</em> port (so that clients reconnect to the address they already know) and
 * that comes back <em>empty</em> (so that lost state is observable). Mocks and the
 * embedded-redis wrapper's lifecycle do not give that control, so this class owns the
 * process directly.
 * <p>
 * The {@code redis-server} found on {@code PATH} is preferred because it is the version
 * the developer or CI image chose; the binary bundled in the embedded-redis jar is the
 * fallback so the tests still run on machines without Redis installed. Port 6379 is never
 * used, so a developer's own Redis is never touched. Nothing is persisted and the working
 * directory is a private temp dir, so nothing is written into the build's cwd.
 */
public final class RedisServerProcess implements AutoCloseable {

	private static final String HOST = "127.0.0.1";

	private static final int DEFAULT_REDIS_PORT = 6379;

	private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

	private static final int LAUNCH_ATTEMPTS = 5;

	/** Live processes, killed by a shutdown hook should a test forget to close them. */
	private static final Set<RedisServerProcess> LIVE = ConcurrentHashMap.newKeySet();

	/**
	 * Temp dirs, deleted by the shutdown hook. Work dirs are kept until then so logs can
	 * still be read after a failed test.
	 */
	private static final Set<Path> WORK_DIRS = ConcurrentHashMap.newKeySet();

	static {
		Thread hook = new Thread(() -> {
			LIVE.forEach(RedisServerProcess::killQuietly);
			WORK_DIRS.forEach(RedisServerProcess::deleteRecursively);
		}, "redis-server-process-reaper");
		Runtime.getRuntime().addShutdownHook(hook);
	}

	private final Path executable;

	private final String binary;

	private final Path workDir;

	private final Path logFile;

	private final List<String> extraArgs;

	private final String configText;

	private int port;

	private Process process;

	private RedisServerProcess(Path executable, String binary) {
		this(executable, binary, List.of(), null);
	}

	private RedisServerProcess(Path executable, String binary, List<String> extraArgs, String configText) {
		this.executable = executable;
		this.binary = binary;
		this.extraArgs = List.copyOf(extraArgs);
		this.configText = configText;
		try {
			this.workDir = Files.createTempDirectory("redis-server-process-");
			this.logFile = this.workDir.resolve("redis-server.log");
			WORK_DIRS.add(this.workDir);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not create a temp dir for redis-server", ex);
		}
	}

	/**
	 * Starts a server on a free port, using {@code redis-server} from {@code PATH} if
	 * present and the embedded-redis binary otherwise.
	 * @return a server that has answered {@code PING}
	 */
	public static RedisServerProcess start() {
		Optional<Path> onPath = findOnPath();
		if (onPath.isPresent()) {
			return startWith(onPath.get(), onPath.get() + " (from PATH)");
		}
		return startEmbedded();
	}

	/**
	 * Starts a server with extra command-line arguments (after nearcache's own: port, bind, no persistence),
	 * and optionally a config file written into the server's work dir first, as {@code redis-server} reads it
	 * (a Sentinel needs one: it rewrites it). The work dir is the server's cwd, so relative file names in the
	 * arguments (e.g. {@code nodes.conf}) stay private to this server.
	 * @param configText the config file's content, or {@code null} for none
	 * @param extraArgs further arguments, e.g. {@code --cluster-enabled yes} or {@code --sentinel}
	 * @return a server that has answered {@code PING}
	 */
	public static RedisServerProcess startWith(String configText, List<String> extraArgs) {
		Optional<Path> onPath = findOnPath();
		Path executable = onPath.orElseGet(EmbeddedBinary::path);
		String description = onPath.isPresent() ? executable + " (from PATH)"
				: executable + " (embedded-redis " + EmbeddedBinary.resource() + ")";
		return startWith(new RedisServerProcess(executable, description, extraArgs, configText));
	}

	/** The server's private work dir (its cwd, config file and log). */
	public Path workDir() {
		return this.workDir;
	}

	/**
	 * The version of the {@code redis-server} that {@link #start()} would run, as {@code redis-server --version}
	 * reports it (e.g. {@code 7.0.15}), or {@code 0.0.0} if it cannot be told.
	 */
	public static String version() {
		Path executable = findOnPath().orElseGet(EmbeddedBinary::path);
		try {
			Process process = new ProcessBuilder(executable.toString(), "--version").redirectErrorStream(true).start();
			String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			process.waitFor(5, TimeUnit.SECONDS);
			java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("v=(\\d+\\.\\d+\\.\\d+)").matcher(out);
			return matcher.find() ? matcher.group(1) : "0.0.0";
		}
		catch (IOException ex) {
			return "0.0.0";
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "0.0.0";
		}
	}

	/**
	 * Starts a server with the binary bundled in the embedded-redis jar, ignoring
	 * {@code PATH}, so the fallback can be tested on machines that have Redis installed.
	 */
	public static RedisServerProcess startEmbedded() {
		return startWith(EmbeddedBinary.path(), EmbeddedBinary.path() + " (embedded-redis " + EmbeddedBinary.resource()
				+ ")");
	}

	/**
	 * The binary bundled in the embedded-redis jar (Redis 6.2), extracted once per JVM, for fixtures that start
	 * it with other options (e.g. {@link TlsRedisServer}).
	 */
	public static Path embeddedExecutable() {
		return EmbeddedBinary.path();
	}

	/**
	 * Whether the embedded-redis jar ships a binary for this OS and architecture.
	 */
	public static boolean embeddedBinaryAvailable() {
		return EmbeddedBinary.resource() != null;
	}

	/**
	 * Whether an executable {@code redis-server} is on {@code PATH}.
	 */
	public static boolean onPath() {
		return findOnPath().isPresent();
	}

	private static RedisServerProcess startWith(Path executable, String description) {
		return startWith(new RedisServerProcess(executable, description));
	}

	private static RedisServerProcess startWith(RedisServerProcess server) {
		RuntimeException failure = null;
		// A free port can be taken by someone else between probing and binding, so a
		// failed launch is retried on a fresh port.
		for (int attempt = 0; attempt < LAUNCH_ATTEMPTS; attempt++) {
			try {
				server.launch(freePort());
				return server;
			}
			catch (RuntimeException ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
			}
		}
		throw failure;
	}

	/** The port the server listens on; it stays the same across {@link #restart()}. */
	public synchronized int port() {
		return this.port;
	}

	/** The running process's id (e.g. to read its {@code /proc/<pid>/io}), or -1 if it is not running. */
	public synchronized long pid() {
		return (this.process != null) ? this.process.pid() : -1;
	}

	public String host() {
		return HOST;
	}

	/** A {@code redis://} URI suitable for Lettuce's {@code RedisURI.create}. */
	public String redisUri() {
		return "redis://" + HOST + ":" + port();
	}

	/** Which executable runs the server and where it came from (PATH or embedded). */
	public String binary() {
		return this.binary;
	}

	public synchronized boolean isRunning() {
		return this.process != null && this.process.isAlive();
	}

	/**
	 * Kills the server and waits until its port refuses connections, so a test that
	 * continues right after can rely on the outage being visible to clients.
	 */
	public synchronized void stop() {
		Process current = this.process;
		if (current == null) {
			return;
		}
		this.process = null;
		LIVE.remove(this);
		terminate(current);
		awaitPortClosed(this.port);
	}

	/**
	 * Kills the server with {@code SIGKILL}, as a crash would: no shutdown handshake with replicas or
	 * clients (a {@code SIGTERM}ed Redis 7 primary first waits for its replicas to catch up), then waits
	 * until the port refuses connections.
	 */
	public synchronized void kill() {
		Process current = this.process;
		if (current == null) {
			return;
		}
		this.process = null;
		LIVE.remove(this);
		current.destroyForcibly();
		try {
			current.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		awaitPortClosed(this.port);
	}

	/**
	 * Replaces the server with a new, empty one on the same port, so clients configured
	 * with the old address see a server that lost all its data.
	 */
	public synchronized void restart() {
		stop();
		RuntimeException failure = null;
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		// Redis binds with SO_REUSEADDR, so connections of the old process lingering in
		// TIME_WAIT do not block the port; only a port really still in use would. Wait
		// for that with the same socket option, then retry in case of a race.
		for (int attempt = 0; attempt < LAUNCH_ATTEMPTS; attempt++) {
			awaitBindable(this.port, deadline);
			try {
				launch(this.port);
				return;
			}
			catch (RuntimeException ex) {
				if (failure == null) {
					failure = ex;
				}
				else {
					failure.addSuppressed(ex);
				}
				sleepQuietly(200);
			}
		}
		throw failure;
	}

	@Override
	public void close() {
		stop();
	}

	@Override
	public String toString() {
		return "RedisServerProcess[" + redisUri() + ", running=" + isRunning() + ", binary=" + this.binary + "]";
	}

	private void launch(int port) {
		List<String> command = new ArrayList<>(List.of(this.executable.toString()));
		if (this.configText != null) {
			command.add(this.workDir.resolve("redis.conf").toString());
		}
		command.addAll(List.of("--port", String.valueOf(port), "--bind", HOST, "--save", "", "--appendonly", "no",
				"--dir", this.workDir.toString(), "--daemonize", "no", "--logfile", ""));
		command.addAll(this.extraArgs);
		Process started;
		long logOffset;
		try {
			if (this.configText != null) {
				Files.writeString(this.workDir.resolve("redis.conf"), this.configText, StandardCharsets.UTF_8);
			}
			logOffset = Files.exists(this.logFile) ? Files.size(this.logFile) : 0;
			appendLog("$ " + String.join(" ", command.stream().map((arg) -> arg.isEmpty() ? "\"\"" : arg).toList())
					+ System.lineSeparator());
			started = new ProcessBuilder(command).directory(this.workDir.toFile())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(this.logFile.toFile()))
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not execute " + this.binary, ex);
		}
		this.port = port;
		this.process = started;
		LIVE.add(this);
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!started.isAlive()) {
				break;
			}
			if (ping(HOST, port, Duration.ofMillis(500))) {
				return;
			}
			sleepQuietly(50);
		}
		String why = started.isAlive() ? "did not answer PING within " + START_TIMEOUT.toSeconds() + " s"
				: "exited with code " + started.exitValue();
		this.process = null;
		LIVE.remove(this);
		terminate(started);
		throw new IllegalStateException("redis-server " + this.binary + " on port " + port + " " + why
				+ "; output (" + this.logFile + "):" + System.lineSeparator() + log(logOffset));
	}

	/**
	 * Sends a raw RESP {@code PING}; used instead of a client library so that readiness
	 * does not depend on the code under test's dependencies.
	 */
	static boolean ping(String host, int port, Duration timeout) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
			socket.setSoTimeout((int) timeout.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] expected = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
			for (byte b : expected) {
				if (in.read() != b) {
					return false;
				}
			}
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean acceptsConnections(int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(HOST, port), 200);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static void awaitPortClosed(int port) {
		long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
		while (acceptsConnections(port)) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("Port " + port + " still accepts connections after redis-server was killed");
			}
			sleepQuietly(50);
		}
	}

	private static void awaitBindable(int port, long deadlineNanos) {
		while (!bindable(port) && System.nanoTime() < deadlineNanos) {
			sleepQuietly(100);
		}
	}

	private static boolean bindable(int port) {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static int freePort() {
		for (int attempt = 0; attempt < 20; attempt++) {
			try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
				int port = socket.getLocalPort();
				if (port != DEFAULT_REDIS_PORT) {
					return port;
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not find a free loopback port", ex);
			}
		}
		throw new IllegalStateException("Could not find a free loopback port other than " + DEFAULT_REDIS_PORT);
	}

	private static void terminate(Process process) {
		process.destroy();
		try {
			if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		catch (InterruptedException ex) {
			process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

	private void killQuietly() {
		Process current = this.process;
		if (current != null) {
			current.destroyForcibly();
			try {
				current.waitFor(1, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void appendLog(String line) throws IOException {
		Files.writeString(this.logFile, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
				StandardOpenOption.APPEND);
	}

	/** The log from {@code offset} on, i.e. only the output of the launch that failed. */
	private String log(long offset) {
		try {
			byte[] all = Files.readAllBytes(this.logFile);
			int from = (int) Math.min(offset, all.length);
			return new String(all, from, all.length - from, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "<could not read " + this.logFile + ": " + ex + ">";
		}
	}

	/**
	 * Whether some {@code redis-server} can be started here: on {@code PATH}, or the embedded fallback.
	 */
	public static boolean binaryAvailable() {
		return onPath() || embeddedBinaryAvailable();
	}

	private static Optional<Path> findOnPath() {
		// -Dnearcache.test.redis-server=embedded runs the tests on the embedded fallback even where Redis is
		// installed, to check that what they need exists in it.
		if ("embedded".equals(System.getProperty("nearcache.test.redis-server"))) {
			return Optional.empty();
		}
		String path = System.getenv("PATH");
		if (path == null) {
			return Optional.empty();
		}
		boolean windows = System.getProperty("os.name", "").toLowerCase().contains("win");
		String name = windows ? "redis-server.exe" : "redis-server";
		for (String dir : path.split(File.pathSeparator)) {
			if (dir.isBlank()) {
				continue;
			}
			try {
				Path candidate = Path.of(dir, name);
				if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
					return Optional.of(candidate);
				}
			}
			catch (InvalidPathException ex) {
				// malformed PATH entry, ignore
			}
		}
		return Optional.empty();
	}

	private static void sleepQuietly(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for redis-server", ex);
		}
	}

	private static void deleteRecursively(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
		}
		catch (IOException | UncheckedIOException ex) {
			// best effort on JVM exit
		}
	}

	/**
	 * The embedded-redis binary, extracted once per JVM. Extracted here rather than via
	 * embedded-redis' own {@code RedisServer} so the process lifecycle stays ours.
	 */
	private static final class EmbeddedBinary {

		private static final String RESOURCE = detectResource();

		private static Path extracted;

		static String resource() {
			return RESOURCE;
		}

		static synchronized Path path() {
			if (extracted != null) {
				return extracted;
			}
			if (RESOURCE == null) {
				throw new IllegalStateException("embedded-redis has no redis-server binary for os.name="
						+ System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch"));
			}
			try (InputStream in = ExecutableProvider.class.getResourceAsStream(RESOURCE)) {
				if (in == null) {
					throw new IllegalStateException("Resource " + RESOURCE + " missing from the embedded-redis jar");
				}
				Path dir = Files.createTempDirectory("embedded-redis-");
				Path binary = dir.resolve(Path.of(RESOURCE).getFileName().toString());
				Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
				if (!binary.toFile().setExecutable(true)) {
					throw new IllegalStateException("Could not make " + binary + " executable");
				}
				WORK_DIRS.add(dir);
				extracted = binary;
				return binary;
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not extract " + RESOURCE + " from the embedded-redis jar", ex);
			}
		}

		private static String detectResource() {
			try {
				String resource = ExecutableProvider.newProvidedVersionsMap()
					.get(OsArchitecture.detectOSandArchitecture());
				return (resource != null && ExecutableProvider.class.getResource(resource) != null) ? resource : null;
			}
			catch (RuntimeException ex) {
				// unknown OS or architecture
				return null;
			}
		}

	}

}
