package dev.nearcache.invalidation;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One message of wire protocol v1 (see {@code docs/protocol.md}).
 *
 * @param type what the message asks for
 * @param origin the instance id of the sender; {@code null} if a foreign publisher omitted it
 * @param seq the sender's sequence number, counting invalidate and clear messages from process start
 * @param timestamp epoch milliseconds when it was sent ({@code ts})
 * @param cache the cache it applies to; {@code null} for a clear of every cache and for heartbeats
 * @param keys the canonical keys to evict, for {@link Type#INVALIDATE}; empty otherwise
 * @param mode the sender's channel layout, in heartbeats ({@code classic} or {@code sharded}); lets a mixed fleet be detected
 * @param incarnation which process start of {@code origin} sent it ({@code inc}): random per start, so a restarted
 * sender, or a second live process with the same instance id, is told apart; {@code null} from senders that predate
 * it and from foreign publishers. When encoding, {@code null} means the encoding codec's own incarnation
 */
public record InvalidationMessage(Type type, @Nullable String origin, @Nullable Long seq, @Nullable Long timestamp,
		@Nullable String cache, List<String> keys, @Nullable String mode, @Nullable String incarnation) {

	/** The protocol version this code writes and the highest it reads. */
	public static final int VERSION = 1;

	/** The classic channel layout (one {@code PUBLISH} channel per application), sent in heartbeats as {@code mode}. */
	public static final String CLASSIC_MODE = "classic";

	/** The channel layout of sharded pub/sub ({@code SPUBLISH} on one channel per bucket of caches). */
	public static final String SHARDED_MODE = "sharded";

	public InvalidationMessage {
		keys = List.copyOf(keys);
	}

	/**
	 * Create a message without an explicit incarnation.
	 * @param type what the message asks for
	 * @param origin the sender's instance id
	 * @param seq the sender's sequence number
	 * @param timestamp epoch milliseconds when sent
	 * @param cache the cache it applies to
	 * @param keys the canonical keys to evict
	 * @param mode the sender's channel layout, in heartbeats
	 */
	public InvalidationMessage(Type type, @Nullable String origin, @Nullable Long seq, @Nullable Long timestamp,
			@Nullable String cache, List<String> keys, @Nullable String mode) {
		this(type, origin, seq, timestamp, cache, keys, mode, null);
	}

	/**
	 * Create a message without {@code mode} (only heartbeats carry it).
	 * @param type what the message asks for
	 * @param origin the sender's instance id
	 * @param seq the sender's sequence number
	 * @param timestamp epoch milliseconds when sent
	 * @param cache the cache it applies to
	 * @param keys the canonical keys to evict
	 */
	public InvalidationMessage(Type type, @Nullable String origin, @Nullable Long seq, @Nullable Long timestamp,
			@Nullable String cache, List<String> keys) {
		this(type, origin, seq, timestamp, cache, keys, null, null);
	}

	/** Message types, with their wire names. */
	public enum Type {

		/** Evict the listed keys of one cache. */
		INVALIDATE("invalidate"),

		/** Clear one cache, or every cache when no cache is named. */
		CLEAR("clear"),

		/** Liveness and the sender's latest {@code seq}; evicts nothing. */
		HEARTBEAT("heartbeat");

		private final String wireName;

		Type(String wireName) {
			this.wireName = wireName;
		}

		/**
		 * Return the name used on the wire.
		 * @return the wire name
		 */
		public String wireName() {
			return this.wireName;
		}

		static @Nullable Type fromWireName(String wireName) {
			for (Type type : values()) {
				if (type.wireName.equals(wireName)) {
					return type;
				}
			}
			return null;
		}

	}

}
