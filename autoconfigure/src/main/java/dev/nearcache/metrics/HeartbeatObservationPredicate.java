package dev.nearcache.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import io.lettuce.core.tracing.LettuceObservationContext;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationPredicate;

/**
 * Keeps nearcache's heartbeats out of Micrometer observations of Lettuce commands. Heartbeats travel on the
 * application's Lettuce client, and with Spring Boot's Lettuce observation (on whenever an
 * {@code ObservationRegistry} exists) each one would be a {@code PUBLISH} observation: a timer sample and, with
 * tracing, a root span every heartbeat interval on every instance, in no request's trace.
 * <p>
 * Only a {@code PUBLISH} or {@code SPUBLISH} on nearcache's channel (or one of its sharded bucket channels) whose
 * message is a heartbeat, signed or not, is left out; invalidations stay observed, so an invalidation published
 * from a request thread still shows in that request's trace. Decoding the message happens only for publishes on
 * the channel.
 */
public final class HeartbeatObservationPredicate implements ObservationPredicate {

	private static final String HEARTBEAT = "\"type\":\"heartbeat\"";

	/** A heartbeat inside a signed envelope, whose {@code body} is the message as an escaped JSON string. */
	private static final String SIGNED_HEARTBEAT = "\\\"type\\\":\\\"heartbeat\\\"";

	private final byte[] channel;

	/**
	 * Create the predicate.
	 * @param channel nearcache's channel ({@code nearcache.channel}), the prefix of every sharded bucket channel
	 */
	public HeartbeatObservationPredicate(String channel) {
		this.channel = channel.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public boolean test(String name, Observation.Context context) {
		if (!(context instanceof LettuceObservationContext lettuce) || !lettuce.hasCommand()) {
			return true;
		}
		RedisCommand<?, ?, ?> command = lettuce.getRequiredCommand();
		ProtocolKeyword type = command.getType();
		if (type != CommandType.PUBLISH && type != CommandType.SPUBLISH) {
			return true;
		}
		CommandArgs<?, ?> args = command.getArgs();
		if (args == null || !onChannel(args.getFirstEncodedKey())) {
			return true;
		}
		String rendered = args.toCommandString();
		return !rendered.contains(HEARTBEAT) && !rendered.contains(SIGNED_HEARTBEAT);
	}

	private boolean onChannel(ByteBuffer key) {
		if (key == null || key.remaining() < this.channel.length) {
			return false;
		}
		int start = key.position();
		for (int i = 0; i < this.channel.length; i++) {
			if (key.get(start + i) != this.channel[i]) {
				return false;
			}
		}
		return key.remaining() == this.channel.length || key.get(start + this.channel.length) == ':';
	}

}
