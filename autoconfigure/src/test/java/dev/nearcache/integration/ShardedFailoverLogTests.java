package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.nearcache.invalidation.ShardedChannels;
import dev.nearcache.invalidation.ShardedMonitors;
import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What an operator reads while a Redis Cluster primary fails over under sharded pub/sub: no ERROR for a failure
 * nearcache handles, no flood of Lettuce "Connection is already closed" warnings from the connections nearcache
 * recycles, and no repeated "could not subscribe" warnings while the channel's monitor has reported the incident.
 * Each channel is its own subscription, so each reports its own incident (naming itself): one voice per channel.
 */
@ExtendWith(OutputCaptureExtension.class)
class ShardedFailoverLogTests {

	private static final Duration RECOVERY = Duration.ofSeconds(30);

	private RedisClusterFixture cluster;

	private Instance instance;

	@BeforeAll
	static void requireRedis7() {
		String version = RedisServerProcess.version();
		assumeTrue(Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7,
				"sharded pub/sub needs redis-server 7 or later; found " + version);
	}

	@AfterEach
	void stop() {
		if (this.instance != null) {
			this.instance.close();
		}
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@Test
	void aPrimaryFailoverLogsNoErrorAndOneVoicePerChannel(CapturedOutput output) {
		this.cluster = RedisClusterFixture.start(3, 1);
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		List<String> properties = new ArrayList<>(List.of(ShardedPubSubClusterTests.PROPERTIES));
		properties.add("spring.data.redis.cluster.nodes=" + this.cluster.nodesProperty());
		this.instance = Instance.start(this.cluster.nodes().get(0).port(), properties.toArray(String[]::new));
		await().atMost(RECOVERY).until(this.instance::subscribed);
		ShardedChannels channels = this.instance.context.getBean(ShardedMonitors.class).channels();
		RedisServerProcess victim = owner(channels.slot(0));
		List<String> onVictim = new ArrayList<>();
		for (int bucket = 0; bucket < channels.buckets(); bucket++) {
			if (owner(channels.slot(bucket)) == victim) {
				onVictim.add(channels.channel(bucket));
			}
		}
		int from = output.length();
		this.cluster.kill(victim);
		this.cluster.awaitHealthy(RECOVERY);
		await().atMost(RECOVERY).until(this.instance::subscribed);
		List<String> lines = output.toString().substring(from).lines().toList();
		assertThat(lines).as("no ERROR line for a failure nearcache handles").noneMatch((line) -> line.contains(" ERROR "));
		assertThat(lines).as("no warnings about closing connections twice")
			.noneMatch((line) -> line.contains("Connection is already closed"));
		List<String> warnings = lines.stream().filter((line) -> line.contains(" WARN ") && line.contains("nearcache:")).toList();
		assertThat(warnings).as("nearcache reports the incident").isNotEmpty();
		assertThat(warnings).as("each warning names the channel it is about")
			.allMatch((line) -> line.contains("'" + channels.channel(0).replaceAll(":0$", ":")));
		assertThat(lines.stream().filter((line) -> line.contains("nearcache: could not subscribe")))
			.as("failed re-subscriptions during an incident the monitor reported are not warned again").isEmpty();
		System.out.println("sharded failover log: " + warnings.size() + " nearcache warnings; " + onVictim.size()
				+ " of " + channels.buckets() + " channels on the failed primary");
	}

	/** The primary that owns a slot now, from its own {@code CLUSTER NODES} line. */
	private RedisServerProcess owner(int slot) {
		for (RedisServerProcess primary : this.cluster.primaries()) {
			String myself = this.cluster.commands(primary).clusterNodes().lines()
				.filter((line) -> line.contains("myself"))
				.findFirst()
				.orElse("");
			String[] fields = myself.split(" ");
			for (int i = 8; i < fields.length; i++) {
				if (fields[i].startsWith("[")) {
					continue;
				}
				String[] range = fields[i].split("-");
				int from = Integer.parseInt(range[0]);
				int to = Integer.parseInt(range[range.length - 1]);
				if (slot >= from && slot <= to) {
					return primary;
				}
			}
		}
		throw new IllegalStateException("no primary owns slot " + slot);
	}

}
