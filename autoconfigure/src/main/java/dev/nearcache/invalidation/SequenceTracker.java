package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Detects lost messages by the senders' sequence numbers: each sender counts its invalidate and clear messages
 * up by one, and its heartbeats repeat the latest number, so a jump means something from it never arrived.
 * <p>
 * A sender is an instance id <em>and</em> its incarnation (the random {@code inc} of one process start): a
 * restarted process, or a second live process with the same id, is a sender of its own with its own numbering,
 * never hidden behind the higher baseline of another. A sender with an incarnation numbers from 1 at its start
 * (heartbeats before its first message carry 0), so even its first message tells whether earlier ones were
 * lost; a sender without one (older versions, foreign publishers) gets its baseline from its first message.
 * <p>
 * Baselines are never reset by a flush: a flush covers what was lost before it, but a message lost after it must
 * still show as a gap at the sender's next message or heartbeat. The caller (the {@link ChannelMonitor}) keeps
 * one incident from flushing many times by holding the gap flushes that follow an incident back into one.
 * <p>
 * Senders silent for ten minutes are forgotten, and at most 10,000 are tracked, so hostile input cannot grow this
 * without bound (a forgotten sender with an incarnation shows as a gap when it speaks again, one without gets a
 * new baseline).
 * <p>
 * Recording a message from a known sender creates nothing: the sender's state is a mutable counter found by a
 * key that is reused while messages keep coming from the same sender (received strings are reused by the codec,
 * so the comparison is mostly by identity).
 */
final class SequenceTracker {

	private final Cache<Sender, Sequence> senders = Caffeine.newBuilder()
		.maximumSize(10_000)
		.expireAfterAccess(Duration.ofMinutes(10))
		// Maintenance on the recording thread: on the common pool it cost a thread wake-up per message.
		.executor(Runnable::run)
		.build();

	/** The sender of the last message: usually the sender of the next one too. */
	private volatile @Nullable Sender recent;

	/**
	 * Record a message's sequence number.
	 * @param origin the sender's instance id
	 * @param incarnation the sender's incarnation, {@code null} if it sends none
	 * @param seq its sequence number
	 * @param heartbeat whether the message is a heartbeat (which repeats the latest number)
	 * @return whether messages from the sender were lost before this one
	 */
	boolean record(String origin, @Nullable String incarnation, long seq, boolean heartbeat) {
		Sender sender = this.recent;
		if (sender == null || !sender.is(origin, incarnation)) {
			sender = new Sender(origin, incarnation);
			this.recent = sender;
		}
		Sequence sequence = this.senders.getIfPresent(sender);
		if (sequence == null) {
			sequence = this.senders.asMap().computeIfAbsent(sender, (key) -> new Sequence());
		}
		long expected = heartbeat ? 0 : 1;
		synchronized (sequence) {
			boolean gap;
			if (!sequence.seen) {
				gap = incarnation != null && seq > expected;
				sequence.seen = true;
				sequence.last = seq;
			}
			else {
				gap = seq > sequence.last + expected;
				sequence.last = Math.max(sequence.last, seq);
			}
			return gap;
		}
	}

	/** One process start of an instance id. */
	private record Sender(String origin, @Nullable String incarnation) {

		boolean is(String otherOrigin, @Nullable String otherIncarnation) {
			return this.origin.equals(otherOrigin) && Objects.equals(this.incarnation, otherIncarnation);
		}

	}

	/** The latest sequence number of one sender; guarded by its own monitor. */
	private static final class Sequence {

		boolean seen;

		long last;

	}

}
