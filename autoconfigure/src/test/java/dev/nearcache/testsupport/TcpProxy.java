package dev.nearcache.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy whose link to the target can be cut or stalled on demand.
 * <p>
 * Killing Redis only simulates one kind of failure: a clean, fast connection reset.
 * Real networks also drop connections mid-stream and, worse, go silent while sockets
 * stay open. Clients must survive both, so tests put this proxy between client and server
 * and inject those faults without touching the server or its data.
 * <p>
 * Plain blocking sockets with one daemon thread per direction per connection: simple to
 * reason about, and fine for the handful of connections a test opens. Threads block in
 * {@code accept}/{@code read} or wait on a monitor, so nothing spins. When one direction
 * ends, both sockets are closed (no half-close), which is how Redis clients treat it anyway.
 */
public final class TcpProxy implements AutoCloseable {

	private enum Mode {

		FORWARD, STALL, CUT

	}

	private static final int CONNECT_TIMEOUT_MILLIS = 5000;

	private static final long JOIN_TIMEOUT_MILLIS = 5000;

	private final String targetHost;

	private final int targetPort;

	private final ServerSocket serverSocket;

	private final Thread acceptor;

	private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

	private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

	private final AtomicInteger connectionIds = new AtomicInteger();

	/** Guards {@link #mode}; pumps wait on it while stalled. */
	private final Object monitor = new Object();

	private Mode mode = Mode.FORWARD;

	private volatile boolean closed;

	/**
	 * Starts a proxy on a free loopback port that forwards to {@code targetHost:targetPort}.
	 */
	public TcpProxy(String targetHost, int targetPort) {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		try {
			this.serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not open a proxy port", ex);
		}
		this.acceptor = newThread(this::acceptLoop, "accept");
		this.acceptor.start();
	}

	/** Convenience for the common case of proxying a test Redis. */
	public static TcpProxy to(RedisServerProcess redis) {
		return new TcpProxy(redis.host(), redis.port());
	}

	public int port() {
		return this.serverSocket.getLocalPort();
	}

	public String host() {
		return this.serverSocket.getInetAddress().getHostAddress();
	}

	/**
	 * Closes every open connection in both directions and, until {@link #restore()},
	 * closes new connections as soon as they are accepted (so clients see the TCP connect
	 * succeed and then an immediate EOF/reset, like a middlebox dropping the flow).
	 */
	public void cut() {
		setMode(Mode.CUT);
		this.connections.forEach(Connection::close);
	}

	/**
	 * Keeps all sockets open but forwards nothing in either direction until
	 * {@link #restore()}. Bytes are <em>held</em>, not dropped: each direction keeps at
	 * most one read chunk in hand and the rest backs up in kernel buffers, so everything
	 * sent during the stall is delivered, in order, after restore. New connections are
	 * accepted and stalled too.
	 */
	public void stall() {
		setMode(Mode.STALL);
	}

	/** Forwards again: held bytes flow and new connections are served. */
	public void restore() {
		setMode(Mode.FORWARD);
	}

	/** Number of currently proxied connections, for tests asserting reconnect behaviour. */
	public int connectionCount() {
		return this.connections.size();
	}

	/** Closes the listener and all connections and waits for every proxy thread to end. */
	@Override
	public void close() {
		this.closed = true;
		try {
			this.serverSocket.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
		long deadline = System.nanoTime() + JOIN_TIMEOUT_MILLIS * 1_000_000;
		try {
			// the acceptor first, so no connection can be added after the sweep below
			this.acceptor.join(JOIN_TIMEOUT_MILLIS);
			this.connections.forEach(Connection::close);
			for (Thread thread : this.threads) {
				long remainingMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
				thread.join(remainingMillis);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public String toString() {
		return "TcpProxy[" + host() + ":" + port() + " -> " + this.targetHost + ":" + this.targetPort + "]";
	}

	private void setMode(Mode newMode) {
		synchronized (this.monitor) {
			this.mode = newMode;
			this.monitor.notifyAll();
		}
	}

	private Mode mode() {
		synchronized (this.monitor) {
			return this.mode;
		}
	}

	private void acceptLoop() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.serverSocket.accept();
			}
			catch (IOException ex) {
				return; // server socket closed
			}
			if (mode() == Mode.CUT || this.closed) {
				closeQuietly(client);
				continue;
			}
			Socket upstream = new Socket();
			try {
				upstream.connect(new InetSocketAddress(this.targetHost, this.targetPort), CONNECT_TIMEOUT_MILLIS);
			}
			catch (IOException ex) {
				closeQuietly(upstream);
				closeQuietly(client);
				continue;
			}
			Connection connection = new Connection(client, upstream, this.connectionIds.incrementAndGet());
			this.connections.add(connection);
			// re-check: a cut() or close() racing with this accept must not miss the new connection
			if (mode() == Mode.CUT || this.closed) {
				connection.close();
			}
			else {
				connection.start();
			}
		}
	}

	private Thread newThread(Runnable task, String name) {
		Thread thread = new Thread(() -> {
			try {
				task.run();
			}
			finally {
				this.threads.remove(Thread.currentThread());
			}
		}, "tcp-proxy-" + port() + "-" + name);
		thread.setDaemon(true);
		this.threads.add(thread);
		return thread;
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// nothing to do
		}
	}

	/** One proxied client connection: a client socket, an upstream socket and two pumps. */
	private final class Connection {

		private final Socket client;

		private final Socket upstream;

		private final Thread clientToUpstream;

		private final Thread upstreamToClient;

		private volatile boolean closed;

		private boolean started;

		Connection(Socket client, Socket upstream, int id) {
			this.client = client;
			this.upstream = upstream;
			this.clientToUpstream = newThread(() -> pump(client, upstream), "c" + id + "-up");
			this.upstreamToClient = newThread(() -> pump(upstream, client), "c" + id + "-down");
		}

		synchronized void start() {
			if (this.closed) {
				return;
			}
			this.started = true;
			this.clientToUpstream.start();
			this.upstreamToClient.start();
		}

		void close() {
			synchronized (this) {
				this.closed = true;
				// threads never started must not linger in the set close() joins
				if (!this.started) {
					TcpProxy.this.threads.remove(this.clientToUpstream);
					TcpProxy.this.threads.remove(this.upstreamToClient);
				}
			}
			closeQuietly(this.client);
			closeQuietly(this.upstream);
			TcpProxy.this.connections.remove(this);
			// wake pumps held by a stall so they notice the close
			synchronized (TcpProxy.this.monitor) {
				TcpProxy.this.monitor.notifyAll();
			}
		}

		private void pump(Socket from, Socket to) {
			byte[] buffer = new byte[8192];
			try {
				InputStream in = from.getInputStream();
				OutputStream out = to.getOutputStream();
				int read;
				while ((read = in.read(buffer)) != -1) {
					if (!awaitForwarding()) {
						return;
					}
					out.write(buffer, 0, read);
					out.flush();
				}
			}
			catch (SocketException ex) {
				// closed by cut(), close() or the peer
			}
			catch (IOException ex) {
				// treat like a reset
			}
			finally {
				close();
			}
		}

		/** Holds the caller while stalled; false if the connection should end instead. */
		private boolean awaitForwarding() {
			synchronized (TcpProxy.this.monitor) {
				while (TcpProxy.this.mode == Mode.STALL && !this.closed && !TcpProxy.this.closed) {
					try {
						TcpProxy.this.monitor.wait();
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
						return false;
					}
				}
				return TcpProxy.this.mode == Mode.FORWARD && !this.closed && !TcpProxy.this.closed;
			}
		}

	}

}
