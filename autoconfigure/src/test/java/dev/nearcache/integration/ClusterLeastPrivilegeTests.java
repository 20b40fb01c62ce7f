package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The ACL lines of {@code docs/security.md} for a Redis Cluster, in classic and sharded mode: three instances
 * whose nearcache connection logs in as a user with exactly these rights (set on every node) stay coherent, and
 * no node's ACL log records anything refused to that user. Keep the rules here and in the document in step.
 */
class ClusterLeastPrivilegeTests {

	/** Classic mode: the standalone rules plus what Lettuce's cluster topology refresh sends. */
	static final String CLASSIC_RULES = "on >nearcache-secret resetchannels &nearcache:coherence-test -@all "
			+ "+publish +subscribe +unsubscribe +ping +cluster|nodes +info +client|setname +cluster|myid";

	/** Sharded mode: the bucket channels, the sharded commands, and the topology commands. */
	static final String SHARDED_RULES = "on >nearcache-secret resetchannels &nearcache:coherence-test:* -@all "
			+ "+spublish +ssubscribe +sunsubscribe +ping +cluster|nodes +info +client|setname +cluster|myid";

	private static final Duration DEADLINE = Duration.ofSeconds(20);

	private RedisClusterFixture cluster;

	private final List<Instance> instances = new ArrayList<>();

	@AfterEach
	void stop() {
		this.instances.forEach(Instance::close);
		if (this.cluster != null) {
			this.cluster.close();
		}
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "classic", "sharded" })
	void restrictedUserSufficesOnACluster(String pubsub) {
		String version = RedisServerProcess.version();
		assumeTrue(Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7,
				"the ACL lines use Redis 7 channel rules and sharded commands; found redis-server " + version);
		this.cluster = RedisClusterFixture.start(3, 0);
		String rules = "sharded".equals(pubsub) ? SHARDED_RULES : CLASSIC_RULES;
		for (RedisServerProcess node : this.cluster.nodes()) {
			LeastPrivilegeTests.setUser(this.cluster.commands(node), "nearcache", rules);
			this.cluster.commands(node).aclLogReset();
		}
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 5; id++) {
			CatalogTestApplication.database.put(id, "product-" + id);
		}
		for (int i = 0; i < 3; i++) {
			this.instances.add(Instance.start(this.cluster.nodes().get(0).port(),
					"spring.data.redis.cluster.nodes=" + this.cluster.nodesProperty(), "nearcache.redis.pubsub=" + pubsub,
					"nearcache.redis.username=nearcache", "nearcache.redis.password=nearcache-secret",
					"nearcache.heartbeat.interval=250ms", "nearcache.heartbeat.window=1s"));
		}
		await().atMost(DEADLINE).until(() -> this.instances.stream().allMatch(Instance::subscribed));
		Instance a = this.instances.get(0);
		Instance b = this.instances.get(1);
		Instance c = this.instances.get(2);
		for (Instance instance : this.instances) {
			instance.service().find(1L);
		}
		a.service().delete(1L);
		await().atMost(DEADLINE).until(() -> !b.holds("products", 1L) && !c.holds("products", 1L));
		b.service().find(2L);
		c.invalidator().invalidate("products", 2L);
		await().atMost(DEADLINE).until(() -> !b.holds("products", 2L));
		for (RedisServerProcess node : this.cluster.nodes()) {
			List<Map<String, Object>> refused = this.cluster.commands(node)
				.aclLog()
				.stream()
				.filter((entry) -> "nearcache".equals(entry.get("username")))
				.filter((entry) -> !"client".equals(entry.get("object")))
				.toList();
			assertThat(refused).as("refused to nearcache on node %s (ACL LOG)", node.port()).isEmpty();
		}
	}

}
