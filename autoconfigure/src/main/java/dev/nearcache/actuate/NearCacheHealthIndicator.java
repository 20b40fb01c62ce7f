package dev.nearcache.actuate;

import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

/**
 * Health of this instance's invalidation channel.
 * <p>
 * {@code UP} when subscribed, and in local-only mode (chosen by configuration, not a fault). While the channel is
 * not subscribed or not proven alive ({@code CONNECTING}, {@code DEGRADED}) the caches keep serving locally, so by
 * default this is {@link #DEGRADED}: a status that Spring Boot's default aggregation ignores and maps to HTTP 200,
 * so that a Redis outage never takes instances out of service. With {@code downWhenDisconnected} it is
 * {@code DOWN} instead. {@code OUT_OF_SERVICE} once the subscription was stopped at shutdown.
 */
public class NearCacheHealthIndicator implements HealthIndicator {

	/**
	 * The channel is not subscribed or not proven alive: caches serve locally and invalidations from other
	 * instances may be missed until it is (then the caches are cleared).
	 */
	public static final Status DEGRADED = new Status("DEGRADED",
			"Invalidations from other instances may be missed; caches serve locally");

	private static final String DUPLICATE_EXPLANATION = "Another live process uses this instance's "
			+ "nearcache.instance-id: its messages are applied as another instance's, but give each process its own id";

	private final InvalidationStatistics statistics;

	private final boolean downWhenDisconnected;

	/**
	 * Create the indicator.
	 * @param statistics the channel's state and counters
	 * @param downWhenDisconnected whether to report {@code DOWN} rather than {@link #DEGRADED} while the channel is
	 * not subscribed or not proven alive
	 */
	public NearCacheHealthIndicator(InvalidationStatistics statistics, boolean downWhenDisconnected) {
		this.statistics = statistics;
		this.downWhenDisconnected = downWhenDisconnected;
	}

	@Override
	public Health health() {
		TransportState state = this.statistics.state();
		Health.Builder health = new Health.Builder(status(state)).withDetail("state", state.name())
			.withDetail("channel", this.statistics.channel())
			.withDetail("instanceId", this.statistics.instanceId());
		Instant lastReceivedAt = this.statistics.lastReceivedAt();
		if (lastReceivedAt != null) {
			health.withDetail("lastMessageReceivedAt", lastReceivedAt.toString());
		}
		health.withDetail("reconnects", this.statistics.reconnects())
			.withDetail("publishFailures", this.statistics.publishFailures())
			.withDetail("heartbeatFailures", this.statistics.heartbeatFailures());
		Instant duplicateAt = this.statistics.lastDuplicateInstanceAt();
		if (duplicateAt != null) {
			health.withDetail("duplicateInstanceId", Map.of("lastMessageAt", duplicateAt.toString(), "messages",
					this.statistics.duplicateInstanceMessages(), "message", DUPLICATE_EXPLANATION));
		}
		String explanation = explanation(state);
		if (explanation != null) {
			health.withDetail("message", explanation);
		}
		return health.build();
	}

	private Status status(TransportState state) {
		return switch (state) {
			case SUBSCRIBED, LOCAL_ONLY -> Status.UP;
			case CONNECTING, DEGRADED -> this.downWhenDisconnected ? Status.DOWN : DEGRADED;
			case STOPPED -> Status.OUT_OF_SERVICE;
		};
	}

	private static @Nullable String explanation(TransportState state) {
		return switch (state) {
			case SUBSCRIBED -> null;
			case LOCAL_ONLY -> "Invalidation is disabled or no Redis is configured: each instance caches on its own "
					+ "and only the TTL bounds staleness";
			case CONNECTING -> "Not proven subscribed to the invalidation channel yet (Redis not reachable so far, or "
					+ "the first heartbeat has not come back): caches run in the degraded mode "
					+ "(nearcache.degraded.mode) and subscribing is retried in the background";
			case DEGRADED -> "Nothing arrived on the invalidation channel within the heartbeat window, not even this "
					+ "instance's own heartbeat: the subscription is being recycled and caches run in the degraded "
					+ "mode (nearcache.degraded.mode) until a heartbeat round trip succeeds";
			case STOPPED -> "The subscription was stopped (shutdown)";
		};
	}

}
