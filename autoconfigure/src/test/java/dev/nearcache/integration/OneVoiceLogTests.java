package dev.nearcache.integration;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.nearcache.invalidation.TransportState;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an operator reads in the log while Redis restarts: nearcache's own line, one WARN when the incident
 * starts and one INFO when it is over, and no ERROR from the listener container nearcache drives (it retries
 * and reports the failure itself). Lettuce's own "Cannot reconnect" WARNs come from the application's client,
 * which nearcache shares, and are left to the application's logging configuration.
 */
@ExtendWith(OutputCaptureExtension.class)
class OneVoiceLogTests {

	private static final Duration DEADLINE = Duration.ofSeconds(30);

	private RedisServerProcess redis;

	private Instance instance;

	@AfterEach
	void stop() {
		if (this.instance != null) {
			this.instance.close();
		}
		if (this.redis != null) {
			this.redis.close();
		}
	}

	@Test
	void aRedisRestartLogsOneWarningAndOneRecovery(CapturedOutput output) {
		this.redis = RedisServerProcess.start();
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		this.instance = Instance.start(this.redis.port(), "nearcache.heartbeat.interval=200ms");
		await().atMost(DEADLINE).until(this.instance::subscribed);
		int from = output.length();
		this.redis.stop();
		await().atMost(DEADLINE).until(() -> this.instance.statistics().state() == TransportState.DEGRADED);
		// Down for several retries of the subscription.
		await().atMost(DEADLINE).until(() -> this.instance.statistics().heartbeatFailures() >= 10);
		this.redis.restart();
		await().atMost(DEADLINE).until(this.instance::subscribed);
		List<String> lines = output.toString().substring(from).lines().toList();
		assertThat(lines).as("no ERROR line for a failure nearcache handles").noneMatch((line) -> line.contains(" ERROR "));
		assertThat(lines.stream().filter((line) -> line.contains(" WARN ") && line.contains("nearcache:")))
			.as("nearcache's warnings").hasSize(1);
		assertThat(lines.stream().filter((line) -> line.contains(" INFO ") && line.contains("nearcache: invalidations flow again")))
			.as("nearcache's recovery line").hasSize(1);
		assertThat(lines).as("the listener container's own recovery stays quiet")
			.noneMatch((line) -> line.contains("RedisMessageListenerContainer"));
	}

}
