package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * Publishes through Lettuce's asynchronous API, so that a publish waits nearcache's own timeout instead of
 * the client's command timeout (60 s by default, and commands queue while disconnected). Loaded only when
 * Lettuce is on the classpath.
 */
final class LettucePublishing {

	private LettucePublishing() {
	}

	/**
	 * Whether publishes can be issued without waiting for them: only on a connection factory that shares one
	 * native connection, so that every publish, from whichever thread, goes out in order on the same connection
	 * (a heartbeat must never overtake the message whose {@code seq} it announces), and closing the
	 * {@link RedisConnection} after issuing does not close the connection the command is queued on.
	 */
	static boolean canPublishWithoutWaiting(RedisConnectionFactory connectionFactory) {
		return connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.getShareNativeConnection();
	}

	/**
	 * Return the asynchronous commands of a Lettuce connection, as an {@code Object} so that callers load without
	 * Lettuce.
	 * @return the commands, or {@code null} if the connection is not a Lettuce one
	 */
	static @Nullable Object asyncCommands(RedisConnection connection) {
		return (connection.getNativeConnection() instanceof RedisClusterAsyncCommands<?, ?> commands) ? commands : null;
	}

	/**
	 * Issue {@code {channel, payload}} pairs in order, pipelined, with {@code PUBLISH}, without waiting for them.
	 * @param commands the asynchronous commands of the shared native connection, from {@link #asyncCommands}
	 * @param onFailure run when the publish fails or times out
	 * @return completed when Redis acknowledged all of them, exceptionally on the first failure or after the
	 * timeout
	 */
	@SuppressWarnings("unchecked")
	static CompletableFuture<Void> publishWithoutWaiting(Object commands, List<byte[][]> messages, Duration timeout,
			Runnable onFailure) {
		RedisClusterAsyncCommands<byte[], byte[]> async = (RedisClusterAsyncCommands<byte[], byte[]>) commands;
		CompletableFuture<?>[] futures = new CompletableFuture<?>[messages.size()];
		for (int i = 0; i < futures.length; i++) {
			futures[i] = async.publish(messages.get(i)[0], messages.get(i)[1]).toCompletableFuture();
		}
		CompletableFuture<Void> all = CompletableFuture.allOf(futures);
		expireAfter(all, timeout, timer(async));
		all.whenComplete((done, ex) -> {
			if (ex != null) {
				for (CompletableFuture<?> future : futures) {
					future.cancel(false);
				}
				onFailure.run();
			}
		});
		return all;
	}

	/**
	 * Fail a future with a {@link TimeoutException} if it is not complete after the timeout: on the client's
	 * {@link Timer}, the one Lettuce's own command timeouts use, where scheduling and cancelling an expiry only
	 * enqueue it (the timer thread ticks anyway); {@link CompletableFuture#orTimeout} instead wakes the JDK's
	 * delayer thread on every publish. Falls back to {@code orTimeout} without a usable timer.
	 */
	static void expireAfter(CompletableFuture<?> future, Duration timeout, @Nullable Timer timer) {
		if (timer != null) {
			try {
				Timeout expiry = timer.newTimeout((task) -> future.completeExceptionally(
						new TimeoutException("Publish not acknowledged within " + timeout)), timeout.toNanos(),
						TimeUnit.NANOSECONDS);
				future.whenComplete((done, ex) -> expiry.cancel());
				return;
			}
			catch (RuntimeException ex) {
				// Stopped or full: the JDK's timer below.
			}
		}
		future.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	private static @Nullable Timer timer(Object commands) {
		StatefulConnection<?, ?> connection = null;
		if (commands instanceof RedisAsyncCommands<?, ?> standalone) {
			connection = standalone.getStatefulConnection();
		}
		else if (commands instanceof RedisAdvancedClusterAsyncCommands<?, ?> cluster) {
			connection = cluster.getStatefulConnection();
		}
		return (connection != null) ? connection.getResources().timer() : null;
	}

	/**
	 * Publish {@code {channel, payload}} pairs in order, pipelined, and tell which were acknowledged within the
	 * timeout: on a cluster each goes to its own shard, and one unreachable shard must not fail the others.
	 * @return per message whether Redis acknowledged it; {@code null} if the connection is not a Lettuce one
	 */
	@SuppressWarnings("unchecked")
	static boolean @Nullable [] publishEach(RedisConnection connection, List<byte[][]> messages, boolean sharded,
			Duration timeout) {
		if (!(connection.getNativeConnection() instanceof RedisClusterAsyncCommands<?, ?> commands)) {
			return null;
		}
		RedisClusterAsyncCommands<byte[], byte[]> async = (RedisClusterAsyncCommands<byte[], byte[]>) commands;
		List<RedisFuture<Long>> futures = new ArrayList<>(messages.size());
		for (byte[][] message : messages) {
			futures.add(sharded ? async.spublish(message[0], message[1]) : async.publish(message[0], message[1]));
		}
		long deadline = System.nanoTime() + timeout.toNanos();
		boolean[] acknowledged = new boolean[futures.size()];
		for (int i = 0; i < futures.size(); i++) {
			RedisFuture<Long> future = futures.get(i);
			try {
				future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
				acknowledged[i] = true;
			}
			catch (TimeoutException ex) {
				future.cancel(false);
			}
			catch (ExecutionException ex) {
				// Not acknowledged: the caller retries it.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				futures.forEach((each) -> each.cancel(false));
				throw new RedisSystemException("Interrupted while publishing", ex);
			}
		}
		return acknowledged;
	}

}
