package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.nearcache.cache.DegradedMode;
import dev.nearcache.cache.NearCacheManager;

/**
 * Knows whether this instance can trust that it receives every invalidation, and clears the caches when it
 * cannot. It is the one place that decides the channel's state and every flush:
 * <ul>
 * <li>a subscription after the first is a reconnect: messages published meanwhile are lost, so flush;</li>
 * <li>a sender's sequence number jumped: flush;</li>
 * <li>nothing arrived, not even this instance's own heartbeat, within the window: the subscription is dead
 * even if the client has not noticed (half-open socket, stalled subscriber): enter the degraded mode and
 * have the subscription recycled;</li>
 * <li>this instance's own heartbeat came back after that: the subscription is proven, so flush what was
 * cached while degraded and go back to normal.</li>
 * </ul>
 * Flushes from one incident are coalesced: leaving the degraded mode does not flush again if a flush already
 * happened since the current subscription was established, and re-subscriptions while the channel is unproven
 * (degraded, e.g. during a Sentinel or Cluster failover that takes several attempts) defer their flush to the
 * heartbeat that proves the last one; a re-subscription within a window of the proof that ended a recycle is
 * part of the same incident. Gap flushes within the coalescing window are merged into one trailing flush (see
 * {@link ClearCoalescer}). State changes are logged, never individual messages.
 * <p>
 * Invariant: <em>a lost message is always either detected or covered by a flush.</em> Sequence baselines survive
 * every flush ({@link SequenceTracker}), so a message lost at any moment, also right after a gap flush or a
 * recovery, shows as a jump at its sender's next message or heartbeat (at most one heartbeat interval later)
 * and is flushed. A flush cannot tell which of the jumps that follow it it has covered already (a sender's
 * messages missed during a reconnect look like one lost just after it), so after every flush that ends an incident
 * (reconnect, recovery, degrade, backlog) the gap flushes of the next window are held back into one trailing
 * flush at its end: one incident costs its own flush plus at most one more, however many senders published
 * meanwhile, and a message really lost in that window is flushed at most one window after the incident.
 */
public class ChannelMonitor {

	private static final Log logger = LogFactory.getLog(ChannelMonitor.class);

	private static final long GAP_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final ChannelScope scope;

	private final InvalidationStatistics statistics;

	private final String channel;

	private final String mode;

	private volatile TransportState state = TransportState.CONNECTING;

	private final DegradedMode degradedMode;

	private final Duration degradedTtl;

	private final long windowNanos;

	private final Runnable heartbeatNow;

	private final SequenceTracker sequences = new SequenceTracker();

	private final Set<String> reportedForeignOrigins = ConcurrentHashMap.newKeySet();

	private volatile long lastHeardNanos = System.nanoTime();

	private long subscribedSinceNanos = Long.MAX_VALUE;

	private long lastFlushNanos = Long.MIN_VALUE;

	private long degradedSinceNanos;

	private boolean reconnectLogged;

	private long recycleStartedNanos = Long.MAX_VALUE;

	private long provenNanos = Long.MIN_VALUE;

	private final ClearCoalescer gapFlushes;

	private final Runnable gapFlush = () -> {
		synchronized (this) {
			flush(FlushReason.GAP);
		}
	};

	private final AtomicLong lastGapLogNanos = new AtomicLong(System.nanoTime() - GAP_LOG_INTERVAL_NANOS);

	/**
	 * Create a monitor.
	 * @param cacheManager the caches to flush and degrade
	 * @param statistics the channel's counters and state
	 * @param degradedMode what degraded means for the caches
	 * @param degradedTtl the TTL cap of {@link DegradedMode#SHORT_TTL}
	 * @param window how long silence is tolerated before the subscription is considered dead
	 * @param heartbeatNow asks the publisher for a heartbeat at once
	 */
	public ChannelMonitor(NearCacheManager cacheManager, InvalidationStatistics statistics, DegradedMode degradedMode,
			Duration degradedTtl, Duration window, Runnable heartbeatNow) {
		this(cacheManager, statistics, degradedMode, degradedTtl, window, heartbeatNow, Duration.ZERO);
	}

	/**
	 * Create a monitor.
	 * @param cacheManager the caches to flush and degrade
	 * @param statistics the channel's counters and state
	 * @param degradedMode what degraded means for the caches
	 * @param degradedTtl the TTL cap of {@link DegradedMode#SHORT_TTL}
	 * @param window how long silence is tolerated before the subscription is considered dead
	 * @param heartbeatNow asks the publisher for a heartbeat at once
	 * @param gapFlushCoalesceWindow how long after a gap flush further gap flushes are deferred and merged into one
	 * trailing flush (a publisher that skips sequence numbers on purpose would otherwise flush on every other
	 * message); zero flushes on every gap
	 */
	public ChannelMonitor(NearCacheManager cacheManager, InvalidationStatistics statistics, DegradedMode degradedMode,
			Duration degradedTtl, Duration window, Runnable heartbeatNow, Duration gapFlushCoalesceWindow) {
		this(new WholeInstance(cacheManager, statistics), statistics, statistics.channel(),
				InvalidationMessage.CLASSIC_MODE, degradedMode, degradedTtl, window, heartbeatNow,
				gapFlushCoalesceWindow);
	}

	/**
	 * Create a monitor of one channel that feeds part of the caches (sharded mode).
	 * @param scope the caches the channel feeds, and where its state goes
	 * @param statistics the instance's counters
	 * @param channel the channel's name, for logs
	 * @param mode the channel layout this instance uses, compared with other senders' heartbeats
	 * @param degradedMode what degraded means for the caches
	 * @param degradedTtl the TTL cap of {@link DegradedMode#SHORT_TTL}
	 * @param window how long silence is tolerated before the subscription is considered dead
	 * @param heartbeatNow asks the publisher for a heartbeat on this channel at once
	 * @param gapFlushCoalesceWindow how long after a gap flush further gap flushes are merged into one trailing flush
	 */
	ChannelMonitor(ChannelScope scope, InvalidationStatistics statistics, String channel, String mode,
			DegradedMode degradedMode, Duration degradedTtl, Duration window, Runnable heartbeatNow,
			Duration gapFlushCoalesceWindow) {
		this.gapFlushes = new ClearCoalescer(gapFlushCoalesceWindow);
		this.scope = scope;
		this.statistics = statistics;
		this.channel = channel;
		this.mode = mode;
		this.degradedMode = degradedMode;
		this.degradedTtl = degradedTtl;
		this.windowNanos = window.toNanos();
		this.heartbeatNow = heartbeatNow;
	}

	/** Start unproven: caches run degraded until the first heartbeat round trip. */
	public synchronized void starting() {
		state(TransportState.CONNECTING);
		this.scope.degrade(this.degradedMode, this.degradedTtl);
		this.degradedSinceNanos = System.nanoTime();
	}

	/**
	 * The channel was subscribed (again).
	 * @param first whether it is the first subscription since startup
	 */
	public synchronized void subscribed(boolean first) {
		long now = System.nanoTime();
		this.subscribedSinceNanos = now;
		this.lastHeardNanos = now;
		if (first) {
			logger.info("nearcache: subscribed to invalidation channel '" + this.channel + "' as instance '"
					+ this.statistics.instanceId() + "'");
		}
		else if (this.state == TransportState.SUBSCRIBED && this.provenNanos >= this.recycleStartedNanos
				&& now - this.provenNanos <= this.windowNanos) {
			// Within a window of the proof that ended a recycle: the second of the two subscriptions a recycle can
			// leave (the recycle's own, and the one from before it that Lettuce reconnected meanwhile), the same
			// incident, already cleared at that proof. A message really lost in between still shows as a gap in
			// its sender's seq at its next message or heartbeat (baselines survive the proof's flush), held into
			// the trailing flush that the proof scheduled.
			this.statistics.recordReconnect();
			this.statistics.recordCoalescedFlush();
		}
		else if (this.state == TransportState.SUBSCRIBED) {
			this.statistics.recordReconnect();
			flush(FlushReason.RECONNECT);
			logger.warn("nearcache: re-subscribed to '" + this.channel + "' after the connection was lost; "
					+ "cleared every cache, since invalidations published meanwhile were missed");
		}
		else {
			// Unproven (degraded or still connecting): a failover can re-subscribe several times before one
			// subscription holds. The flush waits for the heartbeat that proves the subscription
			// (ownHeartbeat), which clears everything cached until then: one flush however many re-subscriptions.
			this.statistics.recordReconnect();
			this.statistics.recordCoalescedFlush();
			if (!this.reconnectLogged) {
				this.reconnectLogged = true;
				// INFO: the incident was reported (WARN) when it began; this is progress towards its end.
				logger.info("nearcache: re-subscribed to '" + this.channel + "' after the connection was "
						+ "lost; every cache is cleared once a heartbeat proves the subscription");
			}
		}
		this.heartbeatNow.run();
	}

	/** The subscriber starts recycling the subscription (stop, then subscribe again). */
	public synchronized void recycleStarted() {
		this.recycleStartedNanos = System.nanoTime();
	}

	/** Something arrived on the channel: the subscription is alive. Called for every message, even malformed. */
	public void heard() {
		this.lastHeardNanos = System.nanoTime();
	}

	/**
	 * This instance's own heartbeat came back: if degraded, the subscription is proven again.
	 */
	public synchronized void ownHeartbeat() {
		TransportState state = this.state;
		if (state != TransportState.CONNECTING && state != TransportState.DEGRADED
				|| this.subscribedSinceNanos == Long.MAX_VALUE) {
			return;
		}
		this.scope.restore();
		this.reconnectLogged = false;
		this.provenNanos = System.nanoTime();
		if (this.lastFlushNanos < this.subscribedSinceNanos) {
			flush(FlushReason.RECOVERED);
		}
		else {
			this.statistics.recordCoalescedFlush();
			holdGapFlushes();
		}
		state(TransportState.SUBSCRIBED);
		if (state == TransportState.DEGRADED) {
			logger.info("nearcache: invalidations flow again on '" + this.channel + "' after "
					+ Duration.ofNanos(System.nanoTime() - this.degradedSinceNanos).toMillis()
					+ " ms degraded; cleared what was cached meanwhile");
		}
	}

	/**
	 * Check a foreign message's sequence number, flushing if messages from its sender were lost.
	 * @param message the message
	 */
	public void sequenced(InvalidationMessage message) {
		String origin = message.origin();
		if (origin == null) {
			return;
		}
		if (message.mode() != null && !this.mode.equals(message.mode())
				&& this.reportedForeignOrigins.size() < 100 && this.reportedForeignOrigins.add(origin)) {
			logger.warn("nearcache: instance '" + origin + "' on channel '" + this.channel
					+ "' uses channel mode '" + message.mode() + "' while this instance uses '"
					+ this.mode + "': a mixed fleet does not exchange all invalidations");
		}
		Long seq = message.seq();
		if (seq != null && this.sequences.record(origin, message.incarnation(), seq,
				message.type() == InvalidationMessage.Type.HEARTBEAT)) {
			boolean flushedNow = this.gapFlushes.clear(FlushReason.GAP, this.gapFlush);
			if (!flushedNow) {
				this.statistics.recordCoalescedFlush();
			}
			long now = System.nanoTime();
			long lastLog = this.lastGapLogNanos.get();
			if (now - lastLog >= GAP_LOG_INTERVAL_NANOS && this.lastGapLogNanos.compareAndSet(lastLog, now)) {
				logger.warn("nearcache: messages from instance '" + origin + "' were lost (sequence jumped to " + seq
						+ "); cleared every cache. " + this.statistics.flushes(FlushReason.GAP) + " such flushes so "
						+ "far; logged at most once a minute.");
			}
		}
	}

	/**
	 * The subscription was stopped (shutdown): nothing arrives from now on, so the caches run in the degraded
	 * mode until the process ends.
	 */
	public synchronized void stopped() {
		state(TransportState.STOPPED);
		this.scope.degrade(this.degradedMode, this.degradedTtl);
	}

	/**
	 * Stop the thread that runs deferred gap flushes.
	 */
	public void close() {
		this.gapFlushes.close();
	}

	/**
	 * Flush because received messages were dropped unapplied.
	 */
	public synchronized void backlogOverflowed() {
		flush(FlushReason.BACKLOG);
	}

	/**
	 * Called periodically: detect a subscription that went silent.
	 * @return whether the subscription should be recycled now
	 */
	public synchronized boolean checkSilence() {
		long now = System.nanoTime();
		// Read once: heard() runs on the receiving thread meanwhile, and a later value would make the silence
		// logged below negative.
		long lastHeard = this.lastHeardNanos;
		if (now - lastHeard <= this.windowNanos) {
			return false;
		}
		TransportState state = this.state;
		if (state == TransportState.SUBSCRIBED) {
			state(TransportState.DEGRADED);
			this.degradedSinceNanos = now;
			this.scope.degrade(this.degradedMode, this.degradedTtl);
			if (this.degradedMode != DegradedMode.SERVE_STALE) {
				this.statistics.recordFlush(FlushReason.DEGRADED);
				this.lastFlushNanos = now;
				holdGapFlushes();
			}
			logger.warn("nearcache: nothing received on '" + this.channel + "' for "
					+ Duration.ofNanos(now - lastHeard).toMillis() + " ms, not even this instance's own "
					+ "heartbeat; degraded (" + this.degradedMode + ") and re-subscribing");
		}
		// Wait a full window again before the next recycle.
		this.lastHeardNanos = now;
		return state == TransportState.SUBSCRIBED || state == TransportState.DEGRADED
				|| this.subscribedSinceNanos != Long.MAX_VALUE;
	}

	/**
	 * The server ended the subscription on its own ({@code SUNSUBSCRIBE} pushed after a slot migration or a
	 * failover): messages published from now on are lost until it is re-established, so clear the channel's
	 * caches, run degraded, and have it re-subscribed. A no-op unless subscribed and proven.
	 * @return whether the subscription should be re-established now
	 */
	public synchronized boolean unsubscribedByServer() {
		if (this.state != TransportState.SUBSCRIBED) {
			return this.state == TransportState.DEGRADED;
		}
		long now = System.nanoTime();
		state(TransportState.DEGRADED);
		this.degradedSinceNanos = now;
		this.scope.degrade(this.degradedMode, this.degradedTtl);
		this.statistics.recordReconnect();
		flush(FlushReason.RECONNECT);
		logger.warn("nearcache: Redis ended the subscription to '" + this.channel + "' (slot moved or node failed); "
				+ "cleared the caches it feeds and re-subscribing on the slot's current owner");
		return true;
	}

	/**
	 * Return the channel's state as this monitor sees it.
	 * @return the state
	 */
	public TransportState state() {
		return this.state;
	}

	/**
	 * Return when something last arrived on the channel.
	 * @return a {@link System#nanoTime()} value
	 */
	long lastHeardNanos() {
		return this.lastHeardNanos;
	}

	private void state(TransportState state) {
		this.state = state;
		this.scope.state(state);
	}

	private void flush(FlushReason reason) {
		this.scope.flush();
		this.statistics.recordFlush(reason);
		this.lastFlushNanos = System.nanoTime();
		if (reason != FlushReason.GAP) {
			holdGapFlushes();
		}
	}

	/**
	 * An incident's flush just happened: the jumps its senders show next may be what it covered, or messages
	 * lost after it. Hold their gap flushes back into one trailing flush a window from now.
	 */
	private void holdGapFlushes() {
		this.gapFlushes.holdOff(FlushReason.GAP, this.gapFlush, Duration.ofNanos(this.windowNanos));
	}

	/** Classic mode: one channel feeds every broadcasting cache, and its state is the instance's. */
	private record WholeInstance(NearCacheManager cacheManager, InvalidationStatistics statistics)
			implements ChannelScope {

		@Override
		public void degrade(DegradedMode mode, Duration ttl) {
			this.cacheManager.degrade(mode, ttl);
		}

		@Override
		public void restore() {
			this.cacheManager.restore();
		}

		@Override
		public void flush() {
			this.cacheManager.clearBroadcastingLocally();
		}

		@Override
		public void state(TransportState state) {
			this.statistics.state(state);
		}

	}

}
