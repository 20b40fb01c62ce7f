package dev.nearcache.actuate;

import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status of the {@code nearcache} health contributor in each transport state.
 */
class NearCacheHealthIndicatorTests {

	@Test
	void health_subscribed_isUp() {
		Health health = health(TransportState.SUBSCRIBED, false);

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", "SUBSCRIBED")
			.containsEntry("channel", "nearcache:test")
			.containsEntry("instanceId", "web-1")
			.containsEntry("reconnects", 0L)
			.containsEntry("publishFailures", 0L)
			.doesNotContainKeys("message", "lastMessageReceivedAt");
	}

	@Test
	void health_localOnly_isUpWithAnExplanation() {
		Health health = health(TransportState.LOCAL_ONLY, true);

		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("state", "LOCAL_ONLY");
		assertThat((String) health.getDetails().get("message")).contains("only the TTL bounds staleness");
	}

	@Test
	void health_connecting_isDegradedByDefault() {
		Health health = health(TransportState.CONNECTING, false);

		assertThat(health.getStatus()).isEqualTo(NearCacheHealthIndicator.DEGRADED);
		assertThat(health.getStatus().getCode()).isEqualTo("DEGRADED");
		assertThat(health.getDetails()).containsEntry("state", "CONNECTING");
		assertThat((String) health.getDetails().get("message")).contains("Redis not reachable so far");
	}

	@Test
	void health_everyStateWithoutAProvenSubscription_isDegradedByDefaultAndDownWhenOptedIn() {
		Set<TransportState> proven = EnumSet.of(TransportState.SUBSCRIBED, TransportState.LOCAL_ONLY,
				TransportState.STOPPED);
		for (TransportState state : EnumSet.complementOf(EnumSet.copyOf(proven))) {
			Health health = health(state, false);
			assertThat(health.getStatus()).as(state.name()).isEqualTo(NearCacheHealthIndicator.DEGRADED);
			assertThat(health.getDetails()).containsEntry("state", state.name()).containsKey("message");
			assertThat(health(state, true).getStatus()).as(state.name()).isEqualTo(Status.DOWN);
		}
	}

	@Test
	void health_subscribedWithDownWhenDisconnected_isUp() {
		assertThat(health(TransportState.SUBSCRIBED, true).getStatus()).isEqualTo(Status.UP);
	}

	@Test
	void health_stopped_isOutOfService() {
		assertThat(health(TransportState.STOPPED, false).getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
		assertThat(health(TransportState.STOPPED, true).getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
	}

	private static Health health(TransportState state, boolean downWhenDisconnected) {
		InvalidationStatistics statistics = new InvalidationStatistics("web-1", "nearcache:test", state);
		return new NearCacheHealthIndicator(statistics, downWhenDisconnected).health();
	}

}
