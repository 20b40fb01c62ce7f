package dev.nearcache.invalidation;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

import org.jspecify.annotations.Nullable;

/**
 * Counters and state of this instance's invalidation channel, shared by the publishing and receiving sides
 * and read by operators' tools.
 */
public final class InvalidationStatistics {

	private final String instanceId;

	private final String channel;

	private volatile TransportState state;

	private final LongAdder published = new LongAdder();

	private final LongAdder received = new LongAdder();

	private final LongAdder applied = new LongAdder();

	private final LongAdder heartbeatsPublished = new LongAdder();

	private final LongAdder heartbeatsReceived = new LongAdder();

	private final LongAdder selfSkipped = new LongAdder();

	private final LongAdder publishFailures = new LongAdder();

	private final LongAdder heartbeatFailures = new LongAdder();

	private final LongAdder offeredAfterStop = new LongAdder();

	private final LongAdder reconnects = new LongAdder();

	private final LongAdder coalescedFlushes = new LongAdder();

	private final LongAdder coalescedClears = new LongAdder();

	private final LongAdder duplicateInstanceMessages = new LongAdder();

	private volatile long lastDuplicateAt;

	private final Map<DropReason, LongAdder> dropped = new EnumMap<>(DropReason.class);

	private final Map<FlushReason, LongAdder> flushes = new EnumMap<>(FlushReason.class);

	private volatile long lastReceivedAt;

	private final List<LongConsumer> lagListeners = new CopyOnWriteArrayList<>();

	/**
	 * Create statistics.
	 * @param instanceId this instance's id
	 * @param channel the channel name
	 * @param state the initial state
	 */
	public InvalidationStatistics(String instanceId, String channel, TransportState state) {
		this.instanceId = instanceId;
		this.channel = channel;
		this.state = state;
		for (DropReason reason : DropReason.values()) {
			this.dropped.put(reason, new LongAdder());
		}
		for (FlushReason reason : FlushReason.values()) {
			this.flushes.put(reason, new LongAdder());
		}
	}

	public String instanceId() {
		return this.instanceId;
	}

	public String channel() {
		return this.channel;
	}

	public TransportState state() {
		return this.state;
	}

	void state(TransportState state) {
		this.state = state;
	}

	/** @return invalidate and clear messages this instance published (heartbeats not included) */
	public long published() {
		return this.published.sum();
	}

	/** @return messages received on the channel, including own echoes and dropped ones */
	public long received() {
		return this.received.sum();
	}

	/** @return invalidate and clear messages from other instances that were applied */
	public long applied() {
		return this.applied.sum();
	}

	/** @return heartbeats this instance published */
	public long heartbeatsPublished() {
		return this.heartbeatsPublished.sum();
	}

	/** @return heartbeats received from other instances */
	public long heartbeatsReceived() {
		return this.heartbeatsReceived.sum();
	}

	/** @return own messages received back and skipped */
	public long selfSkipped() {
		return this.selfSkipped.sum();
	}

	/**
	 * @return attempts to publish invalidations (invalidate and clear messages) that failed, each retried: while
	 * this rises, other instances receive this instance's invalidations late; heartbeats are not included
	 */
	public long publishFailures() {
		return this.publishFailures.sum();
	}

	/**
	 * @return heartbeats that could not be published (Redis unreachable or not answering): rises while Redis is
	 * down even when nothing is invalidated
	 */
	public long heartbeatFailures() {
		return this.heartbeatFailures.sum();
	}

	/**
	 * @return invalidations offered after the publisher stopped at shutdown, which other instances never receive
	 * from this process: something still wrote after every writer should have stopped
	 */
	public long offeredAfterStop() {
		return this.offeredAfterStop.sum();
	}

	/** @return re-subscriptions after a lost connection, each followed by a local clear */
	public long reconnects() {
		return this.reconnects.sum();
	}

	/**
	 * @param reason a drop reason
	 * @return messages dropped for it
	 */
	public long dropped(DropReason reason) {
		return this.dropped.get(reason).sum();
	}

	/** @return all drops by reason */
	public Map<DropReason, Long> droppedByReason() {
		Map<DropReason, Long> counts = new EnumMap<>(DropReason.class);
		this.dropped.forEach((reason, count) -> counts.put(reason, count.sum()));
		return counts;
	}

	/**
	 * @param reason a flush reason
	 * @return times every broadcasting cache was cleared for it
	 */
	public long flushes(FlushReason reason) {
		return this.flushes.get(reason).sum();
	}

	/** @return flushes skipped because an earlier flush of the same incident already covered them */
	public long coalescedFlushes() {
		return this.coalescedFlushes.sum();
	}

	/**
	 * @return remote clear messages that arrived within the coalescing window of an earlier clear of the same
	 * cache and were merged into one trailing clear (also counted as applied)
	 */
	public long coalescedClears() {
		return this.coalescedClears.sum();
	}

	/**
	 * @return messages received that carry this instance's id but another incarnation: another live process uses
	 * the same {@code nearcache.instance-id} (see {@code docs/consistency.md})
	 */
	public long duplicateInstanceMessages() {
		return this.duplicateInstanceMessages.sum();
	}

	/** @return when a message from another process with this instance's id last arrived, or {@code null} if never */
	public @Nullable Instant lastDuplicateInstanceAt() {
		long at = this.lastDuplicateAt;
		return (at != 0) ? Instant.ofEpochMilli(at) : null;
	}

	/** @return all flushes by reason */
	public Map<FlushReason, Long> flushesByReason() {
		Map<FlushReason, Long> counts = new EnumMap<>(FlushReason.class);
		this.flushes.forEach((reason, count) -> counts.put(reason, count.sum()));
		return counts;
	}

	/** @return when the last message was received, or {@code null} if none was */
	public @Nullable Instant lastReceivedAt() {
		long at = this.lastReceivedAt;
		return (at != 0) ? Instant.ofEpochMilli(at) : null;
	}

	/**
	 * Be told the lag of every applied message that carries its send time ({@code ts}): milliseconds from the
	 * sender's clock at publishing to this instance's clock at applying, so clock skew between the two hosts is
	 * included (and can make it negative). Called on the applying thread, which it must not hold up.
	 * @param listener receives the lag in milliseconds
	 */
	public void addLagListener(LongConsumer listener) {
		this.lagListeners.add(listener);
	}

	void recordLag(long millis) {
		for (LongConsumer listener : this.lagListeners) {
			listener.accept(millis);
		}
	}

	void recordPublished(int messages) {
		this.published.add(messages);
	}

	void recordReceived() {
		this.received.increment();
		this.lastReceivedAt = System.currentTimeMillis();
	}

	void recordHeartbeatPublished() {
		this.heartbeatsPublished.increment();
	}

	void recordHeartbeatReceived() {
		this.heartbeatsReceived.increment();
	}

	void recordApplied() {
		this.applied.increment();
	}

	void recordSelfSkipped() {
		this.selfSkipped.increment();
	}

	void recordDropped(DropReason reason) {
		this.dropped.get(reason).increment();
	}

	void recordPublishFailure() {
		this.publishFailures.increment();
	}

	void recordHeartbeatFailure() {
		this.heartbeatFailures.increment();
	}

	void recordOfferedAfterStop() {
		this.offeredAfterStop.increment();
	}

	void recordReconnect() {
		this.reconnects.increment();
	}

	void recordCoalescedFlush() {
		this.coalescedFlushes.increment();
	}

	void recordDuplicateInstance() {
		this.duplicateInstanceMessages.increment();
		this.lastDuplicateAt = System.currentTimeMillis();
	}

	void recordCoalescedClear() {
		this.coalescedClears.increment();
	}

	void recordFlush(FlushReason reason) {
		this.flushes.get(reason).increment();
	}

}
