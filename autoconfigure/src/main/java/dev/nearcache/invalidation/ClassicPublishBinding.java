package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import org.jspecify.annotations.Nullable;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * Classic pub/sub: {@code PUBLISH} through any Spring Data Redis connection factory. On Lettuce, publishes go
 * through its asynchronous API, so that nearcache's publish timeout holds whatever the client's command timeout;
 * on a factory sharing one native connection they can also be issued without waiting. Other clients publish
 * synchronously.
 */
final class ClassicPublishBinding implements PublishBinding {

	private static final boolean LETTUCE_PRESENT = ClassUtils.isPresent("io.lettuce.core.RedisFuture",
			ClassicPublishBinding.class.getClassLoader());

	private final RedisConnectionFactory connectionFactory;

	private volatile boolean canIssueWithoutWaiting;

	/**
	 * The asynchronous commands of the factory's shared native connection, kept between publishes issued without
	 * waiting: looking them up builds a Spring Data {@code RedisConnection} each time (about 560 bytes per publish).
	 * Every publish still goes out on that one connection, so their order holds. Dropped after a failure. Typed
	 * {@code Object} so that this class loads without Lettuce.
	 */
	private volatile @Nullable Object sharedCommands;

	ClassicPublishBinding(RedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
		this.canIssueWithoutWaiting = LETTUCE_PRESENT && LettucePublishing.canPublishWithoutWaiting(connectionFactory);
	}

	@Override
	public boolean[] publish(List<byte[][]> messages, Duration timeout) {
		boolean[] acknowledged = new boolean[messages.size()];
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			boolean[] each = LETTUCE_PRESENT ? LettucePublishing.publishEach(connection, messages, false, timeout)
					: null;
			if (each != null) {
				return each;
			}
			for (int i = 0; i < messages.size(); i++) {
				connection.publish(messages.get(i)[0], messages.get(i)[1]);
				acknowledged[i] = true;
			}
		}
		catch (RuntimeException ex) {
			// Not acknowledged from the failed message on: the publisher retries those.
		}
		return acknowledged;
	}

	@Override
	public boolean canIssueWithoutWaiting() {
		return this.canIssueWithoutWaiting;
	}

	@Override
	public @Nullable CompletableFuture<Void> issue(List<byte[][]> messages, Duration timeout) {
		if (!this.canIssueWithoutWaiting) {
			return null;
		}
		Object async = this.sharedCommands;
		if (async == null) {
			try (RedisConnection connection = this.connectionFactory.getConnection()) {
				async = LettucePublishing.asyncCommands(connection);
			}
			catch (RuntimeException ex) {
				return CompletableFuture.failedFuture(ex);
			}
			if (async == null) {
				this.canIssueWithoutWaiting = false;
				return CompletableFuture.failedFuture(new IllegalStateException("not a Lettuce connection"));
			}
			this.sharedCommands = async;
		}
		Object issuedOn = async;
		// After a failure, look the shared connection up again: the factory may have replaced it.
		return LettucePublishing.publishWithoutWaiting(async, messages, timeout, () -> {
			if (this.sharedCommands == issuedOn) {
				this.sharedCommands = null;
			}
		});
	}

}
