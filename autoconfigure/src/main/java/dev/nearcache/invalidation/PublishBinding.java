package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;

/**
 * How {@link RedisInvalidationPublisher} puts bytes on a channel: {@code PUBLISH} through Spring Data Redis
 * ({@link ClassicPublishBinding}) or {@code SPUBLISH} through Lettuce's cluster API
 * ({@link ShardedPublishBinding}). Everything else (sequence numbers, batching, heartbeats, retries, back-off,
 * shutdown) is the publisher's, written once.
 */
interface PublishBinding {

	/**
	 * Publish {@code {channel, payload}} pairs in order, pipelined, and wait at most {@code timeout} for Redis
	 * to acknowledge them. Never throws for a Redis failure: a message that was not acknowledged is reported so.
	 * @param messages the pairs to publish
	 * @param timeout the longest wait for all of them
	 * @return per message whether Redis acknowledged it
	 */
	boolean[] publish(List<byte[][]> messages, Duration timeout);

	/**
	 * Return whether {@link #issue} can send without waiting, in order with {@link #publish} (one shared
	 * connection): then a calling thread may issue its own invalidation and return at once.
	 * @return whether {@link #issue} is available
	 */
	default boolean canIssueWithoutWaiting() {
		return false;
	}

	/**
	 * Issue {@code {channel, payload}} pairs in order, without waiting for Redis.
	 * @param messages the pairs to publish
	 * @param timeout after which the result fails if Redis has not acknowledged all
	 * @return completed when Redis acknowledged all of them, exceptionally on a failure or after the timeout;
	 * {@code null} if this binding cannot issue without waiting (nothing was sent)
	 */
	default @Nullable CompletableFuture<Void> issue(List<byte[][]> messages, Duration timeout) {
		return null;
	}

}
