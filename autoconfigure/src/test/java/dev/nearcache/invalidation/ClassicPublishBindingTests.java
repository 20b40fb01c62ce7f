package dev.nearcache.invalidation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Publishes issued without waiting keep the shared native connection's commands between calls; when the factory
 * replaces that connection (the old one closed), a publish on the old one fails and the next one goes out on the
 * new connection.
 */
class ClassicPublishBindingTests {

	private static final byte[][] MESSAGE = { "nearcache:binding-test".getBytes(), "{}".getBytes() };

	@Test
	void aReplacedSharedConnectionIsLookedUpAgainAfterAFailure() throws Exception {
		try (RedisServerProcess redis = RedisServerProcess.start()) {
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", redis.port()));
			factory.afterPropertiesSet();
			factory.start();
			try {
				ClassicPublishBinding binding = new ClassicPublishBinding(factory);
				assertThat(binding.canIssueWithoutWaiting()).isTrue();
				assertThat(issue(binding)).isTrue();
				factory.resetConnection();
				// At most the publishes issued on the closed connection fail; then the new one is used.
				await().atMost(Duration.ofSeconds(10)).until(() -> issue(binding));
				List<Boolean> next = new ArrayList<>();
				for (int i = 0; i < 5; i++) {
					next.add(issue(binding));
				}
				assertThat(next).containsOnly(true);
			}
			finally {
				factory.destroy();
			}
		}
	}

	private static boolean issue(ClassicPublishBinding binding) throws InterruptedException {
		CompletableFuture<Void> acknowledged = binding.issue(List.<byte[][]>of(MESSAGE), Duration.ofSeconds(2));
		try {
			acknowledged.get(5, TimeUnit.SECONDS);
			return true;
		}
		catch (Exception ex) {
			if (ex instanceof InterruptedException interrupted) {
				throw interrupted;
			}
			return false;
		}
	}

}
