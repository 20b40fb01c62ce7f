package dev.nearcache.invalidation;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Detects lost messages by the senders' sequence numbers: each origin counts its invalidate and clear messages
 * up by one, and its heartbeats repeat the latest number, so a jump means something from it never arrived.
 * <p>
 * The first message seen from an origin sets its baseline; a restarted sender has a new instance id and so a
 * new baseline. Origins silent for ten minutes are forgotten, and at most 10,000 are tracked, so hostile input
 * cannot grow this without bound (a forgotten origin merely gets a new baseline).
 */
final class SequenceTracker {

	private final Cache<String, Long> lastSeq = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(10))
		// Maintenance on the recording thread: on the common pool it cost a thread wake-up per message.
		.executor(Runnable::run)
		.build();

	/**
	 * Record a message's sequence number.
	 * @param origin the sender
	 * @param seq its sequence number
	 * @param heartbeat whether the message is a heartbeat (which repeats the latest number)
	 * @return whether messages from the sender were lost before this one
	 */
	boolean record(String origin, long seq, boolean heartbeat) {
		boolean[] gap = new boolean[1];
		this.lastSeq.asMap().compute(origin, (sender, last) -> {
			if (last == null) {
				return seq;
			}
			gap[0] = seq > last + (heartbeat ? 0 : 1);
			return Math.max(last, seq);
		});
		return gap[0];
	}

	/** Forget every baseline: after a flush, nothing lost before it matters any more. */
	void reset() {
		this.lastSeq.invalidateAll();
	}

}
