package dev.nearcache.invalidation;

import org.junit.jupiter.api.Test;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transport stops after everything that can still write, and before the connection it needs.
 */
class TransportLifecycleTests {

	private static final int WEB_SERVER_STOP = SmartLifecycle.DEFAULT_PHASE - 2048;

	private static final int CONNECTION_FACTORY = 0;

	@Test
	void subscriberStopsAfterTheWebServerTheListenerContainersAndTheExecutors() {
		assertThat(RedisInvalidationSubscriber.PHASE).isLessThan(WEB_SERVER_STOP)
			.isLessThan(ExecutorConfigurationSupport.DEFAULT_PHASE)
			.isGreaterThan(CONNECTION_FACTORY);
	}

	@Test
	void publisherStopsLastBeforeTheConnectionFactory() {
		assertThat(RedisInvalidationPublisher.PHASE).isLessThan(RedisInvalidationSubscriber.PHASE)
			.isGreaterThan(CONNECTION_FACTORY);
	}

}
