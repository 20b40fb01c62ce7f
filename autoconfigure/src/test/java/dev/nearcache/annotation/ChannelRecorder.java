package dev.nearcache.annotation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import tools.jackson.databind.json.JsonMapper;

import static dev.nearcache.annotation.AppInstance.eventually;

/**
 * Records what is published on an invalidation channel, to count messages on the wire. An in-band marker tells
 * when everything published before it has been recorded: Redis delivers one channel's messages in order.
 */
final class ChannelRecorder implements AutoCloseable {

	private static final AtomicLong markers = new AtomicLong();

	private final JsonMapper json = JsonMapper.builder().build();

	private final RedisClient client;

	private final StatefulRedisPubSubConnection<String, String> subscription;

	private final StatefulRedisConnection<String, String> publishing;

	private final String channel;

	private final List<Map<?, ?>> messages = new ArrayList<>();

	ChannelRecorder(String redisUri, String channel) {
		this.client = RedisClient.create(redisUri);
		this.channel = channel;
		this.subscription = this.client.connectPubSub();
		this.subscription.addListener(new RedisPubSubAdapter<>() {

			@Override
			public void message(String channel, String message) {
				record(message);
			}

		});
		this.subscription.sync().subscribe(channel);
		this.publishing = this.client.connect();
	}

	/**
	 * Return the invalidate and clear messages published since the last call, and forget them.
	 * @param cacheName the cache the messages are for
	 * @return the messages, as JSON maps
	 */
	List<Map<?, ?>> takeMessagesFor(String cacheName) {
		String marker = "recorder-" + markers.incrementAndGet();
		// A heartbeat evicts nothing on the instances; its origin marks the end of what to take.
		this.publishing.sync().publish(this.channel, "{\"v\":1,\"type\":\"heartbeat\",\"origin\":\"" + marker + "\"}");
		eventually().until(() -> indexOf(marker) >= 0);
		synchronized (this.messages) {
			List<Map<?, ?>> taken = new ArrayList<>(this.messages.subList(0, indexOf(marker) + 1));
			this.messages.subList(0, taken.size()).clear();
			return taken.stream().filter((message) -> cacheName.equals(message.get("cache"))).toList();
		}
	}

	private int indexOf(String marker) {
		synchronized (this.messages) {
			for (int i = 0; i < this.messages.size(); i++) {
				if (marker.equals(this.messages.get(i).get("origin"))) {
					return i;
				}
			}
			return -1;
		}
	}

	private void record(String message) {
		Map<?, ?> parsed = this.json.readValue(message, Map.class);
		synchronized (this.messages) {
			this.messages.add(parsed);
		}
	}

	@Override
	public void close() {
		this.subscription.close();
		this.publishing.close();
		this.client.shutdown();
	}

}
