package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.backoff.BackOffExecution;

import dev.nearcache.cache.InvalidationPublisher;

/**
 * Publishes local invalidations without making callers wait on Redis, in classic mode (one channel,
 * {@code PUBLISH}) and sharded mode (a channel per bucket, {@code SPUBLISH}) alike: the logic is written once
 * against a {@link ChannelLayout}, and a {@link PublishBinding} puts the bytes on the wire. Whatever is queued
 * while a publish is in flight goes out with the next one.
 * <p>
 * When nothing is being published, nothing is deferred and the last publish succeeded, a calling thread issues
 * its invalidation itself if the binding can do so without waiting (classic mode on a shared Lettuce
 * connection): a hand-off to the background thread costs a thread wake-up, about as much as the rest of the trip
 * to another instance. Otherwise the invalidation is queued for the background thread. Sequence numbers count
 * per channel and are assigned, and messages issued, under one lock, so each channel's messages leave in
 * {@code seq} order whichever thread sends them, and a heartbeat never announces a number whose message has not
 * left.
 * <p>
 * Each publish waits at most {@code publishTimeout}, whatever the client's own command timeout. A message Redis
 * does not acknowledge is counted, kept, and retried on its channel after a jittered exponential back-off (with
 * fresh sequence numbers); the other channels are not held up. The queue is bounded by turning a cache with too
 * many pending keys into a clear of that cache.
 * <p>
 * Heartbeats carry each channel's latest {@code seq}: receivers learn that a final message was lost, and this
 * instance learns, by hearing its own heartbeat, that its subscription works. Without channel monitors (classic
 * mode) each channel gets a heartbeat every interval; with them (sharded mode, where a heartbeat on every channel
 * from every instance would cost instances² × channels deliveries) only when needed: the channel is unproven,
 * nothing at all was heard on it for an interval plus a random part of half an interval, or this instance
 * published on it since its last heartbeat there.
 * <p>
 * Shutdown: it stops in phase {@link #PHASE}, after the web server has drained its requests and stopped and
 * Spring's executors have finished their tasks, and before the connection factory closes (phase 0), so that
 * whatever the application writes while shutting down is still published. What is pending is then published within {@code shutdownTimeout}; an invalidation offered
 * after that is counted ({@link InvalidationStatistics#offeredAfterStop()}) and logged.
 */
public class RedisInvalidationPublisher implements InvalidationPublisher, SmartLifecycle {

	/**
	 * The lifecycle phase of the publisher: below the web server's graceful shutdown, Spring's executors and
	 * schedulers and the message listener containers, so it stops after everything that can still write, and
	 * above the connection factory's (0), so the connection is still there (see
	 * {@link RedisInvalidationSubscriber#PHASE}). One below the subscriber's, so it stops last.
	 */
	public static final int PHASE = RedisInvalidationSubscriber.PHASE - 1;

	private static final Log logger = LogFactory.getLog(RedisInvalidationPublisher.class);

	private static final long MAX_BACKOFF_MILLIS = 5_000;

	private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final PublishBinding binding;

	private final ChannelLayout layout;

	private final Supplier<@Nullable IntFunction<ChannelMonitor>> monitorsSupplier;

	private @Nullable IntFunction<ChannelMonitor> monitors;

	private final String instanceId;

	private final InvalidationCodec codec;

	private final InvalidationStatistics statistics;

	private final Duration publishTimeout;

	private final Duration shutdownTimeout;

	private final PendingInvalidations pending;

	/** Messages of channels that are backing off; retried when the earliest of them is due. */
	private final PendingInvalidations deferred;

	private final long heartbeatIntervalNanos;

	private final AtomicLongArray seq;

	private final AtomicLongArray announcedSeq;

	private final long[] lastHeartbeatNanos;

	/**
	 * Per channel, how much longer than an interval this instance waits on an idle channel before it sends: every
	 * instance heard the last heartbeat at about the same moment, so without it they would all find the channel
	 * idle at once and all send.
	 */
	private final long[] idleJitterNanos;

	private final AtomicLongArray heartbeatRequested;

	/** Per channel, the back-off while its publishes fail; {@code null} while they succeed. */
	private final @Nullable BackOffExecution[] backOffs;

	private final long[] retryAtNanos;

	/** Held while assigning sequence numbers and issuing messages (and, by the background thread, while waiting). */
	private final ReentrantLock sending = new ReentrantLock();

	/** Whether the last publish succeeded: the connection exists and Redis answers. */
	private volatile boolean proven;

	private volatile CompletableFuture<Void> lastIssued = CompletableFuture.completedFuture(null);

	private volatile @Nullable Thread worker;

	private volatile boolean stopping;

	/** Whether {@link #stop()} ran: what is offered from now on is not published. */
	private volatile boolean stopped;

	private volatile boolean failing;

	private long failingSinceNanos;

	private final AtomicLong lastAfterStopLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

	/**
	 * Create a classic-mode publisher: one channel, {@code PUBLISH} through Spring Data Redis.
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
		this(new ClassicPublishBinding(connectionFactory), ChannelLayout.single(channel), () -> null, instanceId, codec,
				statistics, publishTimeout, shutdownTimeout, maxPendingKeys, heartbeatInterval);
	}

	/**
	 * Create a sharded-mode publisher: a channel per bucket, {@code SPUBLISH} through Lettuce's cluster API.
	 * @param connectionFactory the application's cluster connection factory (Lettuce)
	 * @param channels the channel layout
	 * @param monitors the bucket channels' monitors, which tell when a channel was last heard and whether proven;
	 * looked up when publishing starts (they flush the caches, which publish through this)
	 * @param instanceId this instance's id, sent as {@code origin}
	 * @param codec the wire format
	 * @param statistics the counters to update
	 * @param publishTimeout the longest wait for one publish
	 * @param shutdownTimeout the longest wait for pending invalidations on shutdown
	 * @param maxPendingKeys the most keys kept pending per cache before the cache is cleared instead
	 * @param heartbeatInterval how often a channel needs a heartbeat when idle
	 * @return the publisher
	 */
	public static RedisInvalidationPublisher sharded(RedisConnectionFactory connectionFactory,
			ShardedChannels channels, Supplier<ShardedMonitors> monitors, String instanceId, InvalidationCodec codec,
			InvalidationStatistics statistics, Duration publishTimeout, Duration shutdownTimeout, int maxPendingKeys,
			Duration heartbeatInterval) {
		return new RedisInvalidationPublisher(new ShardedPublishBinding(connectionFactory), channels,
				() -> monitors.get()::monitor, instanceId, codec, statistics, publishTimeout, shutdownTimeout,
				maxPendingKeys, heartbeatInterval);
	}

	RedisInvalidationPublisher(PublishBinding binding, ChannelLayout layout,
			Supplier<@Nullable IntFunction<ChannelMonitor>> monitors, String instanceId, InvalidationCodec codec,
			InvalidationStatistics statistics, Duration publishTimeout, Duration shutdownTimeout, int maxPendingKeys,
			Duration heartbeatInterval) {
		this.binding = binding;
		this.layout = layout;
		this.monitorsSupplier = monitors;
		this.instanceId = instanceId;
		this.codec = codec;
		this.statistics = statistics;
		this.publishTimeout = publishTimeout;
		this.shutdownTimeout = shutdownTimeout;
		this.pending = new PendingInvalidations(maxPendingKeys);
		this.deferred = new PendingInvalidations(maxPendingKeys);
		this.heartbeatIntervalNanos = heartbeatInterval.toNanos();
		int buckets = layout.buckets();
		this.seq = new AtomicLongArray(buckets);
		this.announcedSeq = new AtomicLongArray(buckets);
		this.lastHeartbeatNanos = new long[buckets];
		this.idleJitterNanos = new long[buckets];
		this.heartbeatRequested = new AtomicLongArray(buckets);
		this.backOffs = new BackOffExecution[buckets];
		this.retryAtNanos = new long[buckets];
		long past = System.nanoTime() - this.heartbeatIntervalNanos;
		for (int bucket = 0; bucket < buckets; bucket++) {
			this.lastHeartbeatNanos[bucket] = past;
			this.idleJitterNanos[bucket] = idleJitter();
		}
	}

	@Override
	public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
		this.pending.addKeys(cacheName, canonicalKeys, false);
		offered();
	}

	@Override
	public void publishClear(@Nullable String cacheName) {
		this.pending.addClear(cacheName, false);
		offered();
	}

	private void offered() {
		if (this.stopped) {
			offeredAfterStop();
			return;
		}
		publishFromCaller();
	}

	/**
	 * An invalidation arrived after {@link #stop()}: something still wrote after the phase in which everything
	 * that writes should have stopped. It is kept (and published if the publisher is started again), but other
	 * instances will not get it from this process.
	 */
	private void offeredAfterStop() {
		this.statistics.recordOfferedAfterStop();
		long now = System.nanoTime();
		long last = this.lastAfterStopLog.get();
		if (now - last >= LOG_INTERVAL_NANOS && this.lastAfterStopLog.compareAndSet(last, now)) {
			logger.warn("nearcache: an invalidation was offered after the publisher stopped (shutdown); other "
					+ "instances do not receive it and rely on their TTL. Something still writes after the lifecycle "
					+ "phase " + PHASE + " (see docs/consistency.md, shutdown). "
					+ this.statistics.offeredAfterStop() + " so far; logged at most once a minute.");
		}
	}

	/** Issue what is pending from the calling thread if that costs no waiting; otherwise hand it over. */
	private void publishFromCaller() {
		if (!this.binding.canIssueWithoutWaiting() || !this.proven || this.failing || this.stopping
				|| this.worker == null || !this.deferred.isEmpty() || !this.sending.tryLock()) {
			this.pending.wakeUp();
			return;
		}
		try {
			PendingInvalidations.Batch batch = this.pending.drain();
			if (batch == null) {
				return;
			}
			Outgoing outgoing = encode(batch, System.nanoTime(), false);
			int count = outgoing.messages.size();
			CompletableFuture<Void> acknowledged = this.binding.issue(outgoing.messages, this.publishTimeout);
			if (acknowledged == null) {
				acknowledged = CompletableFuture.failedFuture(new IllegalStateException("cannot issue without waiting"));
			}
			this.lastIssued = acknowledged;
			acknowledged.whenComplete((done, ex) -> {
				if (ex == null) {
					this.statistics.recordPublished(count);
				}
				else {
					issueFailed(batch, ex);
				}
			});
		}
		finally {
			this.sending.unlock();
		}
	}

	/** A publish issued by a caller failed: count it, and keep its invalidations for the background thread. */
	private void issueFailed(PendingInvalidations.Batch batch, Throwable ex) {
		this.proven = false;
		this.statistics.recordPublishFailure();
		this.pending.addAll(batch);
		incident("(" + ex + ")");
	}

	/**
	 * Publish a heartbeat on every channel as soon as possible, e.g. to prove a new subscription.
	 */
	public void heartbeatNow() {
		for (int bucket = 0; bucket < this.layout.buckets(); bucket++) {
			this.heartbeatRequested.set(bucket, 1);
		}
		this.pending.wakeUp();
	}

	/**
	 * Publish a heartbeat on a channel as soon as possible, e.g. to prove a new subscription.
	 * @param bucket the channel's number
	 */
	public void heartbeatNow(int bucket) {
		this.heartbeatRequested.set(bucket, 1);
		this.pending.wakeUp();
	}

	@Override
	public void start() {
		if (this.worker != null) {
			return;
		}
		this.stopping = false;
		this.stopped = false;
		this.monitors = this.monitorsSupplier.get();
		this.worker = DaemonThreads.start("nearcache-publisher", this::run);
	}

	@Override
	public void stop() {
		Thread thread = this.worker;
		if (thread == null) {
			return;
		}
		long deadline = System.nanoTime() + this.shutdownTimeout.toNanos();
		this.stopping = true;
		this.pending.wakeUp();
		boolean ended = DaemonThreads.joinWithin(thread, this.shutdownTimeout);
		try {
			this.lastIssued.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			// Re-queued (or still in flight): reported below.
		}
		this.stopped = true;
		this.worker = null;
		if (!ended || !this.pending.isEmpty() || !this.deferred.isEmpty()) {
			logger.warn("nearcache: invalidations pending at shutdown were not published (Redis did not answer; "
					+ "waited at most " + this.shutdownTimeout.toMillis() + " ms); other instances rely on their "
					+ "reconnect flush or their TTL for them");
		}
	}

	@Override
	public boolean isRunning() {
		return this.worker != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private void run() {
		while (!this.stopping) {
			PendingInvalidations.Batch batch;
			try {
				batch = this.pending.awaitAndDrain(millisToNextWork());
			}
			catch (InterruptedException ex) {
				return;
			}
			if (this.stopping) {
				if (batch != null) {
					this.pending.addAll(batch);
				}
				break;
			}
			if (!this.deferred.isEmpty() && System.nanoTime() - earliestRetryNanos() >= 0) {
				batch = merge(batch, this.deferred.drain());
			}
			if (batch != null) {
				send(batch, false);
			}
			heartbeatsIfDue();
		}
		publishBeforeStopping();
	}

	/**
	 * Shutting down: publish what is pending and deferred, whatever the channels' back-off says, retrying until
	 * all of it is acknowledged; {@link #stop()} interrupts this after the shutdown timeout.
	 */
	private void publishBeforeStopping() {
		BackOffExecution backOff = RetryBackOff.start(50, 500);
		while (true) {
			PendingInvalidations.Batch batch = merge(this.pending.drain(), this.deferred.drain());
			if (batch == null) {
				return;
			}
			send(batch, true);
			if (this.pending.isEmpty() && this.deferred.isEmpty()) {
				return;
			}
			try {
				Thread.sleep(backOff.nextBackOff());
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	private PendingInvalidations.@Nullable Batch merge(PendingInvalidations.@Nullable Batch batch,
			PendingInvalidations.@Nullable Batch more) {
		if (more == null) {
			return batch;
		}
		this.pending.addAll(more);
		if (batch != null) {
			this.pending.addAll(batch);
		}
		return this.pending.drain();
	}

	private long millisToNextWork() {
		if (this.stopping) {
			return 0;
		}
		long now = System.nanoTime();
		long next = now + TimeUnit.MILLISECONDS.toNanos(500);
		if (this.heartbeatIntervalNanos > 0) {
			if (this.monitors != null) {
				long tick = Math.max(10_000_000, Math.min(100_000_000, this.heartbeatIntervalNanos / 10));
				next = Math.min(next, now + tick);
			}
			else {
				for (int bucket = 0; bucket < this.layout.buckets(); bucket++) {
					next = Math.min(next, this.lastHeartbeatNanos[bucket] + this.heartbeatIntervalNanos);
				}
			}
		}
		if (!this.deferred.isEmpty()) {
			next = Math.min(next, earliestRetryNanos());
		}
		return Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now));
	}

	/**
	 * When the earliest deferred channel may be retried; meaningful only while something is deferred. A channel
	 * that is not backing off (any more) is due now.
	 */
	private long earliestRetryNanos() {
		long now = System.nanoTime();
		long earliest = now + TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS);
		for (int bucket = 0; bucket < this.backOffs.length; bucket++) {
			long due = (this.backOffs[bucket] != null) ? this.retryAtNanos[bucket] : now;
			if (due - earliest < 0) {
				earliest = due;
			}
		}
		return earliest;
	}

	private boolean backingOff(int bucket, long now) {
		return this.backOffs[bucket] != null && now - this.retryAtNanos[bucket] < 0;
	}

	/** A publish on a channel failed: retry that channel's messages only after a growing, jittered back-off. */
	private void failed(int bucket, long now) {
		BackOffExecution backOff = this.backOffs[bucket];
		if (backOff == null) {
			backOff = RetryBackOff.start(50, MAX_BACKOFF_MILLIS);
			this.backOffs[bucket] = backOff;
		}
		this.retryAtNanos[bucket] = now + TimeUnit.MILLISECONDS.toNanos(backOff.nextBackOff());
	}

	private void succeeded(int bucket) {
		this.backOffs[bucket] = null;
	}

	private void heartbeatsIfDue() {
		if (this.heartbeatIntervalNanos <= 0 && !anyHeartbeatRequested()) {
			return;
		}
		long now = System.nanoTime();
		List<byte[][]> heartbeats = new ArrayList<>();
		List<Integer> buckets = new ArrayList<>();
		boolean[] acknowledged;
		this.sending.lock();
		try {
			for (int bucket = 0; bucket < this.layout.buckets(); bucket++) {
				// A requested heartbeat (the proof a new subscription waits for) does not wait for the back-off.
				boolean requested = this.heartbeatRequested.get(bucket) != 0;
				if ((requested || !backingOff(bucket, now)) && heartbeatDue(bucket, now)) {
					long latest = this.seq.get(bucket);
					byte[] heartbeat = this.codec.encode(InvalidationMessage.Type.HEARTBEAT, this.instanceId, latest,
							System.currentTimeMillis(), null, List.of(), this.layout.mode());
					heartbeats.add(new byte[][] { this.layout.channelBytes(bucket), heartbeat });
					buckets.add(bucket);
					this.heartbeatRequested.set(bucket, 0);
					this.lastHeartbeatNanos[bucket] = now;
					this.idleJitterNanos[bucket] = idleJitter();
					this.announcedSeq.set(bucket, latest);
				}
			}
			if (heartbeats.isEmpty()) {
				return;
			}
			acknowledged = this.binding.publish(heartbeats, this.publishTimeout);
		}
		finally {
			this.sending.unlock();
		}
		boolean all = true;
		for (int i = 0; i < acknowledged.length; i++) {
			if (acknowledged[i]) {
				this.statistics.recordHeartbeatPublished();
				succeeded(buckets.get(i));
			}
			else {
				all = false;
				this.statistics.recordHeartbeatFailure();
				failed(buckets.get(i), now);
			}
		}
		this.proven = all && !this.failing;
	}

	private boolean anyHeartbeatRequested() {
		for (int bucket = 0; bucket < this.layout.buckets(); bucket++) {
			if (this.heartbeatRequested.get(bucket) != 0) {
				return true;
			}
		}
		return false;
	}

	private boolean heartbeatDue(int bucket, long now) {
		if (this.heartbeatRequested.get(bucket) != 0) {
			return true;
		}
		if (this.heartbeatIntervalNanos <= 0 || now - this.lastHeartbeatNanos[bucket] < this.heartbeatIntervalNanos) {
			return false;
		}
		IntFunction<ChannelMonitor> monitors = this.monitors;
		if (monitors == null) {
			return true;
		}
		ChannelMonitor monitor = monitors.apply(bucket);
		return monitor.state() != TransportState.SUBSCRIBED
				|| now - monitor.lastHeardNanos() >= this.heartbeatIntervalNanos + this.idleJitterNanos[bucket]
				|| this.announcedSeq.get(bucket) != this.seq.get(bucket);
	}

	private long idleJitter() {
		return (this.heartbeatIntervalNanos > 0)
				? ThreadLocalRandom.current().nextLong(this.heartbeatIntervalNanos / 2 + 1) : 0;
	}

	/**
	 * Send what was drained, each cache's messages on its channel, and wait for Redis. Messages of channels that
	 * are backing off, and messages that were not acknowledged, are deferred: the other channels' messages go out
	 * regardless, so one unreachable shard delays only its own channels.
	 * @param ignoreBackOff whether to send on channels that are backing off too (shutdown)
	 */
	private void send(PendingInvalidations.Batch batch, boolean ignoreBackOff) {
		long now = System.nanoTime();
		Outgoing outgoing;
		boolean[] acknowledged;
		this.sending.lock();
		try {
			outgoing = encode(batch, now, !ignoreBackOff);
			if (outgoing.messages.isEmpty()) {
				return;
			}
			acknowledged = this.binding.publish(outgoing.messages, this.publishTimeout);
		}
		finally {
			this.sending.unlock();
		}
		int published = 0;
		boolean anyFailed = false;
		for (int i = 0; i < acknowledged.length; i++) {
			if (acknowledged[i]) {
				published++;
				succeeded(outgoing.buckets.get(i));
			}
			else {
				anyFailed = true;
				outgoing.onFailure.get(i).run();
				failed(outgoing.buckets.get(i), now);
			}
		}
		this.statistics.recordPublished(published);
		if (anyFailed) {
			this.proven = false;
			this.statistics.recordPublishFailure();
			incident("on " + ((this.layout.buckets() == 1) ? "'" + this.layout.channel(0) + "'" : "some channels"));
		}
		else if (this.deferred.isEmpty()) {
			this.proven = true;
			recovered();
		}
	}

	/** Publishing failed: say so once per incident, however many retries fail. */
	private synchronized void incident(String detail) {
		if (this.failing) {
			return;
		}
		this.failing = true;
		this.failingSinceNanos = System.nanoTime();
		logger.warn("nearcache: could not publish invalidations " + detail + "; they are kept and retried with "
				+ "back-off until Redis answers" + ((this.layout.buckets() > 1) ? " (the other channels are not held up)"
						: ""));
	}

	private synchronized void recovered() {
		if (!this.failing) {
			return;
		}
		this.failing = false;
		logger.info("nearcache: publishing invalidations again after "
				+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - this.failingSinceNanos) + " ms; "
				+ this.statistics.publishFailures() + " publish attempts failed so far");
	}

	/**
	 * Encode a batch, spending one sequence number of its channel per message; called with {@link #sending} held.
	 * @param respectBackOff whether to defer the messages of channels that are backing off instead
	 */
	private Outgoing encode(PendingInvalidations.Batch batch, long now, boolean respectBackOff) {
		long timestamp = System.currentTimeMillis();
		Outgoing outgoing = new Outgoing();
		if (batch.clearAll()) {
			boolean deferredClearAll = false;
			for (int bucket = 0; bucket < this.layout.buckets(); bucket++) {
				if (respectBackOff && backingOff(bucket, now)) {
					deferredClearAll = true;
					continue;
				}
				outgoing.add(bucket, encode(bucket, InvalidationMessage.Type.CLEAR, null, List.of(), timestamp),
						() -> this.deferred.addClear(null));
			}
			if (deferredClearAll) {
				// Re-sent to every channel later: a clear too many on the healthy ones is harmless.
				this.deferred.addClear(null);
			}
			return outgoing;
		}
		for (String cache : batch.clears()) {
			int bucket = this.layout.bucketOf(cache);
			if (respectBackOff && backingOff(bucket, now)) {
				this.deferred.addClear(cache);
				continue;
			}
			outgoing.add(bucket, encode(bucket, InvalidationMessage.Type.CLEAR, cache, List.of(), timestamp),
					() -> this.deferred.addClear(cache));
		}
		for (Map.Entry<String, Set<String>> entry : batch.keys().entrySet()) {
			String cache = entry.getKey();
			int bucket = this.layout.bucketOf(cache);
			if (respectBackOff && backingOff(bucket, now)) {
				this.deferred.addKeys(cache, entry.getValue());
				continue;
			}
			for (Collection<String> keys : MessageSplitter.split(this.codec, this.instanceId, cache, entry.getValue())) {
				if (keys.isEmpty()) {
					outgoing.add(bucket, encode(bucket, InvalidationMessage.Type.CLEAR, cache, List.of(), timestamp),
							() -> this.deferred.addClear(cache));
				}
				else {
					outgoing.add(bucket, encode(bucket, InvalidationMessage.Type.INVALIDATE, cache, keys, timestamp),
							() -> this.deferred.addKeys(cache, keys));
				}
			}
		}
		return outgoing;
	}

	private byte[][] encode(int bucket, InvalidationMessage.Type type, @Nullable String cache,
			Collection<String> keys, long timestamp) {
		byte[] message = this.codec.encode(type, this.instanceId, this.seq.incrementAndGet(bucket), timestamp, cache,
				keys, null);
		return new byte[][] { this.layout.channelBytes(bucket), message };
	}

	/** Encoded messages, with the channel each goes to and how to keep it if Redis does not acknowledge it. */
	private static final class Outgoing {

		final List<byte[][]> messages = new ArrayList<>();

		final List<Integer> buckets = new ArrayList<>();

		final List<Runnable> onFailure = new ArrayList<>();

		void add(int bucket, byte[][] message, Runnable onFailure) {
			this.messages.add(message);
			this.buckets.add(bucket);
			this.onFailure.add(onFailure);
		}

	}

}
