package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;

/**
 * Applies the messages received on the channel to this instance's caches. Never throws: every input is applied,
 * skipped as this instance's own echo, or dropped and counted by reason.
 * <p>
 * Own echo means this instance's id <em>and</em> this process start's incarnation. A message with this
 * instance's id and another incarnation (or none) comes from a second live process configured with the same id:
 * it is counted, logged loudly once per such process, and applied like any other instance's message, since that
 * process's writes are real.
 * <p>
 * Remote clears of a cache that arrive within {@code clearCoalesceWindow} of each other are merged (see
 * {@link ClearCoalescer}): counted as applied and as coalesced, and followed by one trailing clear.
 * <p>
 * Only broadcasting caches that already exist here are touched: a message cannot create a cache, and a purely
 * local cache ({@code broadcast=false}) ignores the channel.
 */
public class InvalidationApplier {

	private static final Log logger = LogFactory.getLog(InvalidationApplier.class);

	private static final long LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final int MAX_REPORTED_DUPLICATES = 100;

	private final NearCacheManager cacheManager;

	private final InvalidationCodec codec;

	private final InvalidationStatistics statistics;

	private final Map<DropReason, AtomicLong> lastLogged = new EnumMap<>(DropReason.class);

	private final @Nullable ChannelMonitor monitor;

	private final ClearCoalescer clears;

	private final Set<String> reportedDuplicates = ConcurrentHashMap.newKeySet();

	/**
	 * Create an applier that only applies messages, with no liveness or loss detection.
	 * @param cacheManager the caches to apply messages to
	 * @param codec the wire format
	 * @param statistics the counters to update
	 */
	public InvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics) {
		this(cacheManager, codec, statistics, null);
	}

	/**
	 * Create an applier.
	 * @param cacheManager the caches to apply messages to
	 * @param codec the wire format
	 * @param statistics the counters to update
	 * @param monitor told of every message, for liveness, own heartbeats and sequence gaps
	 */
	public InvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics, @Nullable ChannelMonitor monitor) {
		this(cacheManager, codec, statistics, monitor, Duration.ZERO);
	}

	/**
	 * Create an applier.
	 * @param cacheManager the caches to apply messages to
	 * @param codec the wire format
	 * @param statistics the counters to update
	 * @param monitor told of every message, for liveness, own heartbeats and sequence gaps
	 * @param clearCoalesceWindow how long after a remote clear of a cache further clears of it are deferred and
	 * merged into one trailing clear; zero applies every clear at once
	 */
	public InvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics, @Nullable ChannelMonitor monitor, Duration clearCoalesceWindow) {
		this.cacheManager = cacheManager;
		this.codec = codec;
		this.statistics = statistics;
		this.monitor = monitor;
		this.clears = new ClearCoalescer(clearCoalesceWindow);
		for (DropReason reason : DropReason.values()) {
			this.lastLogged.put(reason, new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS));
		}
	}

	/**
	 * Decode and apply one received message body, as if received on the channel of this applier's monitor.
	 * Final: the subscriber does not call it (it passes the channel's own monitor to an internal entry point), so
	 * an override would silently never run.
	 * @param body the message body
	 */
	public final void apply(byte[] body) {
		apply(body, this.monitor);
	}

	/**
	 * Decode and apply one message body received on a channel with its own monitor: what the subscriber calls for
	 * every message, on its applying thread.
	 * @param body the message body
	 * @param monitor the monitor of the channel it arrived on
	 */
	void apply(byte[] body, @Nullable ChannelMonitor monitor) {
		// Liveness (monitor.heard()) is recorded by the subscriber where the message is received, not here: a
		// slow apply must not look like a silent channel.
		this.statistics.recordReceived();
		try {
			InvalidationCodec.Decoded decoded = this.codec.decode(body);
			if (decoded.message() == null) {
				drop(decoded.dropReason(), body.length);
				return;
			}
			apply(decoded.message(), monitor);
		}
		catch (RuntimeException ex) {
			drop(DropReason.ERROR, body.length);
			logger.debug("nearcache: applying a message failed", ex);
		}
	}

	void apply(InvalidationMessage message) {
		apply(message, this.monitor);
	}

	private void apply(InvalidationMessage message, @Nullable ChannelMonitor monitor) {
		if (this.statistics.instanceId().equals(message.origin())) {
			if (Objects.equals(message.incarnation(), this.codec.incarnation())) {
				this.statistics.recordSelfSkipped();
				if (monitor != null && message.type() == InvalidationMessage.Type.HEARTBEAT) {
					monitor.ownHeartbeat();
				}
				return;
			}
			// Another live process with this instance's id: its writes are real, so its messages are applied
			// like any other instance's (its heartbeats prove nothing about this subscription).
			duplicateInstance(message);
		}
		if (monitor != null) {
			// Before applying: a gap flushes everything the channel feeds, then this message is applied as usual.
			monitor.sequenced(message);
		}
		switch (message.type()) {
			case INVALIDATE -> {
				NearCache cache = broadcastingCache(message.cache());
				if (cache != null) {
					cache.applyRemoteInvalidation(message.keys());
				}
			}
			case CLEAR -> {
				boolean coalesced = false;
				if (message.cache() == null) {
					coalesced = !this.clears.clear(this.cacheManager, this.cacheManager::clearBroadcastingLocally);
				}
				else {
					NearCache cache = broadcastingCache(message.cache());
					if (cache != null) {
						coalesced = !this.clears.clear(cache, cache::clearLocally);
					}
				}
				if (coalesced) {
					this.statistics.recordCoalescedClear();
				}
			}
			case HEARTBEAT -> {
				this.statistics.recordHeartbeatReceived();
				return;
			}
		}
		this.statistics.recordApplied();
		if (message.timestamp() != null) {
			this.statistics.recordLag(System.currentTimeMillis() - message.timestamp());
		}
	}

	/**
	 * Stop the thread that runs trailing clears; clears still arriving run at once.
	 */
	public void close() {
		this.clears.close();
	}

	/**
	 * Count and log a message that could not be applied.
	 * @param reason why
	 * @param size the message size in bytes
	 */
	void drop(DropReason reason, int size) {
		this.statistics.recordDropped(reason);
		AtomicLong last = this.lastLogged.get(reason);
		long now = System.nanoTime();
		long previous = last.get();
		if (now - previous >= LOG_INTERVAL_NANOS && last.compareAndSet(previous, now)) {
			logger.warn("nearcache: dropped a message on channel '" + this.statistics.channel() + "' (reason "
					+ reason.tag() + ", " + size + " bytes); " + this.statistics.dropped(reason)
					+ " dropped for this reason so far. Logged at most once a minute per reason.");
		}
	}

	private void duplicateInstance(InvalidationMessage message) {
		this.statistics.recordDuplicateInstance();
		String incarnation = String.valueOf(message.incarnation());
		if (this.reportedDuplicates.size() < MAX_REPORTED_DUPLICATES && this.reportedDuplicates.add(incarnation)) {
			logger.warn("nearcache: another live process uses this instance's id '" + this.statistics.instanceId()
					+ "' on channel '" + this.statistics.channel() + "' (its incarnation " + incarnation
					+ ", this process's " + this.codec.incarnation() + "). Its messages are applied as another "
					+ "instance's, but instances running a nearcache without incarnations skip both processes' "
					+ "messages as their own echo. Give every process its own nearcache.instance-id (the default, "
					+ "host-pid-random, is unique).");
		}
	}

	private @Nullable NearCache broadcastingCache(@Nullable String name) {
		NearCache cache = (name != null) ? this.cacheManager.findCache(name) : null;
		return (cache != null && cache.getSettings().broadcast()) ? cache : null;
	}

}
