package dev.nearcache.integration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

import com.github.benmanes.caffeine.cache.Cache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.nearcache.testsupport.RedisServerExtension;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Measures (does not assert) the delay from an invalidation on one instance to the eviction on another, over
 * a real Redis on loopback. Results go to the log and to {@code target/publish-to-evict.txt}.
 */
@ExtendWith(RedisServerExtension.class)
class PublishToEvictLatencyTests {

	private static final int WARMUP = 200;

	private static final int SAMPLES = 1000;

	@Test
	void measurePublishToEvictDelay(RedisServerProcess redis) throws IOException {
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		try (Instance writer = Instance.start(redis.port()); Instance reader = Instance.start(redis.port())) {
			await().atMost(Duration.ofSeconds(10)).until(() -> writer.subscribed() && reader.subscribed());
			Cache<Object, Object> readerStore = reader.cache("products").getNativeCache();
			long[] micros = new long[SAMPLES];
			for (int i = 0; i < WARMUP + SAMPLES; i++) {
				Long key = (long) i;
				CatalogTestApplication.database.put(key, "value-" + i);
				reader.service().find(key);
				long start = System.nanoTime();
				writer.invalidator().invalidate("products", key);
				long deadline = start + Duration.ofSeconds(5).toNanos();
				while (readerStore.getIfPresent(key) != null) {
					assertThat(System.nanoTime()).as("invalidation %d not applied within 5 s", i).isLessThan(deadline);
					java.util.concurrent.locks.LockSupport.parkNanos(20_000);
				}
				if (i >= WARMUP) {
					micros[i - WARMUP] = (System.nanoTime() - start) / 1_000;
				}
			}
			Arrays.sort(micros);
			String report = String.format(
					"publish-to-evict over %d invalidations (after %d warm-up), two instances, Redis %s on loopback: "
							+ "p50 %d us, p90 %d us, p99 %d us, max %d us%n",
					SAMPLES, WARMUP, redis.binary(), micros[SAMPLES / 2], micros[SAMPLES * 90 / 100],
					micros[SAMPLES * 99 / 100], micros[SAMPLES - 1]);
			System.out.print(report);
			Files.writeString(Path.of("target", "publish-to-evict.txt"), report);
		}
	}

}
