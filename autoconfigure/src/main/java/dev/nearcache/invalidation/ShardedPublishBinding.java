package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.List;

import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * Sharded pub/sub: {@code SPUBLISH} through Lettuce's cluster connection, which routes each message to its
 * channel's slot owner; one unreachable shard fails only its own messages.
 */
final class ShardedPublishBinding implements PublishBinding {

	private final RedisConnectionFactory connectionFactory;

	ShardedPublishBinding(RedisConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	@Override
	public boolean[] publish(List<byte[][]> messages, Duration timeout) {
		try (RedisConnection connection = this.connectionFactory.getConnection()) {
			boolean[] acknowledged = LettucePublishing.publishEach(connection, messages, true, timeout);
			if (acknowledged == null) {
				throw new IllegalStateException("Sharded pub/sub needs a Lettuce connection");
			}
			return acknowledged;
		}
		catch (RuntimeException ex) {
			return new boolean[messages.size()];
		}
	}

}
