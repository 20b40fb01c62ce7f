package dev.nearcache.invalidation;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;

import dev.nearcache.cache.InvalidationPublisher;

/**
 * Publishes local invalidations on the Redis channel without making callers wait on Redis. Whatever is queued
 * while a publish is in flight goes out with the next one.
 * <p>
 * When nothing is being published and the last publish succeeded, the calling thread issues its invalidation
 * itself through Lettuce's asynchronous API and returns without waiting for Redis: a hand-off to the background
 * thread costs a thread wake-up, about as much as the rest of the trip to another instance. Otherwise (a publish
 * in flight, Redis failing, another client library, no shared native connection) the invalidation is queued for
 * the background thread. Sequence numbers are assigned and messages issued under one lock, on one shared
 * connection, so they leave in {@code seq} order whichever thread sends them.
 * <p>
 * Each publish waits at most {@code publishTimeout}, whatever the client's own command timeout. A failed
 * publish is counted, logged and retried with back-off, with fresh sequence numbers; the queue is bounded by
 * turning a cache with too many pending keys into a clear of that cache. On shutdown, what is pending is
 * published within {@code shutdownTimeout}.
 * <p>
 * Every heartbeat interval it also publishes a heartbeat carrying its latest {@code seq}: receivers learn that
 * a final message was lost, and this instance learns, by hearing its own heartbeat, that its subscription works.
 */
public class RedisInvalidationPublisher implements InvalidationPublisher, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisInvalidationPublisher.class);

	private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisFuture",
			RedisInvalidationPublisher.class.getClassLoader());

	private static final long MAX_BACKOFF_MILLIS = 5_000;

	private final RedisConnectionFactory connectionFactory;

	private final byte[] channel;

	private final String instanceId;

	private final InvalidationCodec codec;

	private final InvalidationStatistics statistics;

	private final Duration publishTimeout;

	private final Duration shutdownTimeout;

	private final PendingInvalidations pending;

	private final AtomicLong seq = new AtomicLong();

	/** Held while assigning sequence numbers and issuing messages (and, by the background thread, while waiting). */
	private final ReentrantLock sending = new ReentrantLock();

	private volatile boolean publishFromCaller;

	/** Whether the background thread's last publish succeeded: the shared connection exists and Redis answers. */
	private volatile boolean proven;

	private volatile CompletableFuture<Void> lastIssued = CompletableFuture.completedFuture(null);

	private volatile @Nullable Thread worker;

	private volatile boolean stopping;

	private volatile boolean failing;

	private final long heartbeatIntervalNanos;

	private volatile long nextHeartbeatNanos;

	/**
	 * Create a publisher.
	 * @param connectionFactory the connection factory (the application's by default)
	 * @param channel the channel name
	 * @param instanceId this instance's id, sent as {@code origin}
	 * @param codec the wire format
	 * @param statistics the counters to update
	 * @param publishTimeout the longest wait for one publish
	 * @param shutdownTimeout the longest wait for pending invalidations on shutdown
	 * @param maxPendingKeys the most keys kept pending per cache before the cache is cleared instead
	 * @param heartbeatInterval how often to publish a heartbeat; zero for none
	 */
	public RedisInvalidationPublisher(RedisConnectionFactory connectionFactory, String channel, String instanceId,
			InvalidationCodec codec, InvalidationStatistics statistics, Duration publishTimeout,
			Duration shutdownTimeout, int maxPendingKeys, Duration heartbeatInterval) {
		this.heartbeatIntervalNanos = heartbeatInterval.toNanos();
		this.connectionFactory = connectionFactory;
		this.channel = channel.getBytes(StandardCharsets.UTF_8);
		this.instanceId = instanceId;
		this.codec = codec;
		this.statistics = statistics;
		this.publishTimeout = publishTimeout;
		this.shutdownTimeout = shutdownTimeout;
		this.pending = new PendingInvalidations(maxPendingKeys);
		this.publishFromCaller = LETTUCE_PRESENT && LettucePublishing.canPublishWithoutWaiting(connectionFactory);
	}

	@Override
	public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
		this.pending.addKeys(cacheName, canonicalKeys, false);
		publishFromCaller();
	}

	@Override
	public void publishClear(@Nullable String cacheName) {
		this.pending.addClear(cacheName, false);
		publishFromCaller();
	}

	/** Issue what is pending from the calling thread if that costs no waiting; otherwise hand it over. */
	private void publishFromCaller() {
		if (!this.publishFromCaller || !this.proven || this.failing || this.stopping || this.worker == null
				|| !this.sending.tryLock()) {
			this.pending.wakeUp();
			return;
		}
		try {
			PendingInvalidations.Batch batch = this.pending.drain();
			if (batch == null) {
				return;
			}
			List<byte[]> payloads = encode(batch);
			CompletableFuture<Void> acknowledged;
			try (RedisConnection connection = this.connectionFactory.getConnection()) {
				acknowledged = LettucePublishing.publishWithoutWaiting(connection, this.channel, payloads,
						this.publishTimeout);
			}
			catch (RuntimeException ex) {
				acknowledged = CompletableFuture.failedFuture(ex);
			}
			if (acknowledged == null) {
				this.publishFromCaller = false;
				acknowledged = CompletableFuture.failedFuture(new IllegalStateException("not a Lettuce connection"));
			}
			this.lastIssued = acknowledged;
			acknowledged.whenComplete((done, ex) -> {
				if (ex == null) {
					this.statistics.recordPublished(payloads.size());
				}
				else {
					failed(batch, ex);
				}
			});
		}
		finally {
			this.sending.unlock();
		}
	}

	/** A publish failed: count it, keep its invalidations for the background thread, and say so once. */
	private void failed(PendingInvalidations.Batch batch, Throwable ex) {
		this.proven = false;
		this.statistics.recordPublishFailure();
		this.pending.addAll(batch);
		if (!this.failing) {
			this.failing = true;
			logger.warn("nearcache: could not publish invalidations (" + ex
					+ "); they are kept and retried until Redis answers");
		}
	}

	/** Publish a heartbeat as soon as possible, e.g. to prove a new subscription. */
	public void heartbeatNow() {
		this.nextHeartbeatNanos = System.nanoTime();
		this.pending.wakeUp();
	}

	@Override
	public void start() {
		if (this.worker != null) {
			return;
		}
		this.stopping = false;
		this.worker = DaemonThreads.start("nearcache-publisher", this::run);
	}

	@Override
	public void stop() {
		Thread thread = this.worker;
		if (thread == null) {
			return;
		}
		this.stopping = true;
		synchronized (this.pending) {
			this.pending.notifyAll();
		}
		boolean ended = DaemonThreads.joinWithin(thread, this.shutdownTimeout);
		try {
			this.lastIssued.get(this.shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// Re-queued (or still in flight): reported below.
		}
		if (!ended || !this.pending.isEmpty()) {
			logger.warn("nearcache: invalidations pending at shutdown were not published (Redis did not answer; "
					+ "waited at most " + this.shutdownTimeout.toMillis() + " ms); other instances rely on their "
					+ "reconnect flush or their TTL for them");
		}
		this.worker = null;
	}

	@Override
	public boolean isRunning() {
		return this.worker != null;
	}

	private void run() {
		long backoff = 0;
		while (true) {
			PendingInvalidations.Batch batch;
			try {
				if (backoff > 0) {
					Thread.sleep(backoff);
				}
				batch = this.pending.awaitAndDrain(this.stopping ? 0 : millisToNextHeartbeat());
			}
			catch (InterruptedException ex) {
				return;
			}
			if (batch == null) {
				if (this.stopping) {
					return;
				}
				heartbeatIfDue();
				continue;
			}
			try {
				send(batch);
				backoff = 0;
				this.proven = true;
				if (this.failing) {
					this.failing = false;
					logger.info("nearcache: publishing invalidations on the Redis channel again");
				}
				heartbeatIfDue();
			}
			catch (RuntimeException ex) {
				failed(batch, ex);
				if (this.stopping) {
					return;
				}
				backoff = Math.min(MAX_BACKOFF_MILLIS, Math.max(50, backoff * 2));
			}
		}
	}

	private long millisToNextHeartbeat() {
		if (this.heartbeatIntervalNanos <= 0) {
			return 500;
		}
		return Math.max(0, Math.min(500, (this.nextHeartbeatNanos - System.nanoTime()) / 1_000_000));
	}

	private void heartbeatIfDue() {
		if (this.heartbeatIntervalNanos <= 0 || System.nanoTime() - this.nextHeartbeatNanos < 0) {
			return;
		}
		this.nextHeartbeatNanos = System.nanoTime() + this.heartbeatIntervalNanos;
		this.sending.lock();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			InvalidationMessage heartbeat = new InvalidationMessage(InvalidationMessage.Type.HEARTBEAT,
					this.instanceId, this.seq.get(), System.currentTimeMillis(), null, List.of(),
					InvalidationMessage.CLASSIC_MODE);
			publish(connection, List.of(this.codec.encode(heartbeat)));
			this.statistics.recordHeartbeatPublished();
			this.proven = !this.failing;
		}
		catch (RuntimeException ex) {
			this.proven = false;
			this.statistics.recordPublishFailure();
		}
		finally {
			this.sending.unlock();
		}
	}

	private void publish(RedisConnection connection, List<byte[]> payloads) {
		if (!LETTUCE_PRESENT || !LettucePublishing.publish(connection, this.channel, payloads, this.publishTimeout)) {
			for (byte[] payload : payloads) {
				connection.publish(this.channel, payload);
			}
		}
	}

	/** Publish a batch and wait for Redis to acknowledge it; callers queue meanwhile. */
	private void send(PendingInvalidations.Batch batch) {
		this.sending.lock();
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			List<byte[]> payloads = encode(batch);
			publish(connection, payloads);
			this.statistics.recordPublished(payloads.size());
		}
		finally {
			this.sending.unlock();
		}
	}

	/** Encode a batch, spending one sequence number per message; called with {@link #sending} held. */
	private List<byte[]> encode(PendingInvalidations.Batch batch) {
		List<InvalidationMessage> messages = toMessages(batch);
		List<byte[]> payloads = new ArrayList<>(messages.size());
		long timestamp = System.currentTimeMillis();
		for (InvalidationMessage message : messages) {
			payloads.add(this.codec.encode(new InvalidationMessage(message.type(), this.instanceId,
					this.seq.incrementAndGet(), timestamp, message.cache(), message.keys())));
		}
		return payloads;
	}

	private List<InvalidationMessage> toMessages(PendingInvalidations.Batch batch) {
		List<InvalidationMessage> messages = new ArrayList<>();
		if (batch.clearAll()) {
			messages.add(clear(null));
			return messages;
		}
		for (String cache : batch.clears()) {
			messages.add(clear(cache));
		}
		for (Map.Entry<String, Set<String>> entry : batch.keys().entrySet()) {
			String cache = entry.getKey();
			for (List<String> keys : MessageSplitter.split(this.codec, this.instanceId, cache,
					List.copyOf(entry.getValue()))) {
				messages.add(keys.isEmpty() ? clear(cache) : new InvalidationMessage(InvalidationMessage.Type.INVALIDATE,
						this.instanceId, null, null, cache, keys));
			}
		}
		return messages;
	}

	private InvalidationMessage clear(@Nullable String cache) {
		return new InvalidationMessage(InvalidationMessage.Type.CLEAR, this.instanceId, null, null, cache, List.of());
	}

}
