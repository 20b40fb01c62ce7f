package dev.nearcache.integration;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.nearcache.cache.NearCache;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;
import dev.nearcache.invalidation.ShardedChannels;
import dev.nearcache.invalidation.ShardedMonitors;
import dev.nearcache.testsupport.RedisClusterFixture;
import dev.nearcache.testsupport.RedisServerProcess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sharded pub/sub ({@code nearcache.redis.pubsub=auto} on a cluster configuration) with three instances on a
 * Redis Cluster of three primaries with one replica each: coherence, each cache's invalidations carried by the
 * shard that owns its channel, and no stale read after a primary is killed (replica promoted) or after the slot
 * of a channel is migrated to another primary mid-run. Skipped where {@code redis-server} is older than 7.
 */
class ShardedPubSubClusterTests {

	/** Fast detection, so that a failover takes seconds; topology refresh as docs/scaling.md advises. */
	static final String[] PROPERTIES = { "nearcache.redis.pubsub=auto", "nearcache.redis.sharded-channels=8",
			"spring.data.redis.lettuce.cluster.refresh.adaptive=true",
			"spring.data.redis.lettuce.cluster.refresh.period=1s", "nearcache.heartbeat.interval=250ms",
			"nearcache.heartbeat.window=1s", "nearcache.degraded.ttl=1s", "nearcache.invalidation.publish-timeout=500ms",
			"spring.data.redis.timeout=1s" };

	private static final Duration RECOVERY = Duration.ofSeconds(20);

	private RedisClusterFixture cluster;

	private final List<Instance> instances = new ArrayList<>();

	@BeforeAll
	static void requireRedis7() {
		String version = RedisServerProcess.version();
		assumeTrue(Integer.parseInt(version.substring(0, version.indexOf('.'))) >= 7,
				"sharded pub/sub needs redis-server 7 or later; found " + version);
	}

	@BeforeEach
	void start() {
		this.cluster = RedisClusterFixture.start(3, 1);
		CatalogTestApplication.database = new ConcurrentHashMap<>();
		for (long id = 1; id <= 20; id++) {
			CatalogTestApplication.database.put(id, "v0");
		}
		startInstances();
	}

	private void startInstances(String... overrides) {
		for (int i = 0; i < 3; i++) {
			List<String> properties = new ArrayList<>(List.of(PROPERTIES));
			properties.addAll(List.of(overrides));
			properties.add("spring.data.redis.cluster.nodes=" + this.cluster.nodesProperty());
			this.instances.add(Instance.start(this.cluster.nodes().get(0).port(), properties.toArray(String[]::new)));
		}
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
	}

	@AfterEach
	void stop() {
		this.instances.forEach(Instance::close);
		this.cluster.close();
	}

	@Test
	void shardedInvalidationsKeepInstancesCoherent() {
		Instance first = this.instances.get(0);
		assertThat(first.context.getBeansOfType(ShardedMonitors.class)).hasSize(1);
		assertThat(first.context.getBeansOfType(RedisInvalidationSubscriber.class)).hasSize(1);
		long flushesAtStart = flushes();
		for (long id = 1; id <= 3; id++) {
			readEverywhere(id);
			write(this.instances.get((int) id - 1), id, "v1");
			assertEverywhere(id, "v1", Duration.ofSeconds(5));
		}
		ShardedChannels channels = channels();
		for (int bucket = 0; bucket < channels.buckets(); bucket++) {
			RedisServerProcess owner = owner(channels.slot(bucket));
			for (RedisServerProcess node : this.cluster.running()) {
				assertThat(shardSubscribers(node, channels.channel(bucket)))
					.as("subscribers of %s on %s (owner %s)", channels.channel(bucket), node.port(), owner.port())
					.isEqualTo(node == owner ? 3 : 0);
			}
		}
		String classic = first.statistics().channel();
		assertThat(this.cluster.running().stream().mapToLong((node) -> this.cluster.subscribers(node, classic)).sum())
			.as("nobody subscribes to the classic channel")
			.isZero();
		assertThat(flushes()).as("no flush in normal operation").isEqualTo(flushesAtStart);
	}

	@Test
	void anIdleChannelCarriesAboutOneHeartbeatPerIntervalNotOnePerInstance() {
		long before = this.instances.stream().mapToLong((i) -> i.statistics().heartbeatsPublished()).sum();
		long started = System.nanoTime();
		await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
		long sent = this.instances.stream().mapToLong((i) -> i.statistics().heartbeatsPublished()).sum() - before;
		double intervals = (System.nanoTime() - started) / 250_000_000.0;
		double perChannelAndInterval = sent / (8 * intervals);
		System.out.printf("idle fleet: %d heartbeats from 3 instances on 8 channels in %.1f intervals: %.2f per "
				+ "channel and interval (3 if every instance sent on every channel)%n", sent, intervals,
				perChannelAndInterval);
		// Between one interval and the next tick an idle channel gets one heartbeat; timers that fire together
		// may send two.
		assertThat(perChannelAndInterval).isGreaterThan(0.3).isLessThan(1.5);
		assertThat(this.instances.stream().allMatch(Instance::subscribed)).as("no channel went silent").isTrue();
	}

	@Test
	void invalidationsOfDifferentCachesAreCarriedByDifferentShards() {
		// Quiet heartbeats, so that SPUBLISH counts are the invalidations'.
		this.instances.forEach(Instance::close);
		this.instances.clear();
		startInstances("nearcache.heartbeat.interval=5s", "nearcache.heartbeat.window=15s");
		ShardedChannels channels = channels();
		String cacheA = "orders";
		RedisServerProcess ownerA = owner(channels.slot(channels.bucketOf(cacheA)));
		String cacheB = null;
		for (int i = 0; cacheB == null; i++) {
			if (owner(channels.slot(channels.bucketOf("catalog-" + i))) != ownerA) {
				cacheB = "catalog-" + i;
			}
		}
		RedisServerProcess ownerB = owner(channels.slot(channels.bucketOf(cacheB)));
		Map<RedisServerProcess, Long> before = spublishCalls();
		evictOneByOne(cacheA, 30);
		Map<RedisServerProcess, Long> afterA = spublishCalls();
		evictOneByOne(cacheB, 30);
		Map<RedisServerProcess, Long> afterB = spublishCalls();
		for (RedisServerProcess primary : this.cluster.primaries()) {
			long a = afterA.get(primary) - before.get(primary);
			long b = afterB.get(primary) - afterA.get(primary);
			System.out.printf("shard %d: SPUBLISH while evicting '%s': %d, while evicting '%s': %d%n", primary.port(),
					cacheA, a, cacheB, b);
			assertThat(a).as("SPUBLISH on %d for cache %s", primary.port(), cacheA)
				.isBetween(primary == ownerA ? 30L : 0L, primary == ownerA ? 35L : 5L);
			assertThat(b).as("SPUBLISH on %d for cache %s", primary.port(), cacheB)
				.isBetween(primary == ownerB ? 30L : 0L, primary == ownerB ? 35L : 5L);
		}
		assertThat(ownerA).isNotSameAs(ownerB);
	}

	/** Evict keys one by one from instance 0, each once it reached the other instances. */
	private void evictOneByOne(String cacheName, int count) {
		for (int i = 0; i < count; i++) {
			String key = "k" + i;
			for (Instance instance : this.instances) {
				// A load, not a put: a put would be a write and broadcast.
				instance.cache(cacheName).get(key, () -> "v");
			}
			NearCache origin = this.instances.get(0).cache(cacheName);
			origin.evict(key);
			await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2))
				.until(() -> !this.instances.get(1).holds(cacheName, key) && !this.instances.get(2).holds(cacheName, key));
		}
	}

	@Test
	void primaryKilledMidRunLeavesNoStaleRead() {
		ShardedChannels channels = channels();
		RedisServerProcess victim = owner(channels.slot(channels.bucketOf("products")));
		long channelsOnVictim = java.util.stream.IntStream.range(0, channels.buckets())
			.filter((bucket) -> owner(channels.slot(bucket)) == victim)
			.count();
		Map<Instance, Long> lossesBefore = new HashMap<>();
		this.instances.forEach((instance) -> lossesBefore.put(instance, losses(instance)));
		String elsewhere = null;
		for (int i = 0; elsewhere == null; i++) {
			if (owner(channels.slot(channels.bucketOf("catalog-" + i))) != victim) {
				elsewhere = "catalog-" + i;
			}
		}
		String unaffected = elsewhere;
		this.instances.forEach((instance) -> instance.cache(unaffected).get("kept", () -> "v"));
		for (long id = 1; id <= 20; id++) {
			readEverywhere(id);
		}
		long flushesBefore = flushes();
		long killedAt = System.nanoTime();
		this.cluster.kill(victim);
		for (long id = 1; id <= 20; id++) {
			write(this.instances.get((int) id % 3), id, "v1");
		}
		this.cluster.awaitHealthy(RECOVERY);
		await().atMost(RECOVERY).until(() -> this.instances.stream().allMatch(Instance::subscribed));
		for (long id = 1; id <= 20; id++) {
			assertEverywhere(id, "v1", RECOVERY);
		}
		long recoveredMillis = (System.nanoTime() - killedAt) / 1_000_000;
		assertThat(flushes() - flushesBefore).as("instances cleared the caches of the channels on the killed primary")
			.isPositive();
		assertThat(this.instances).as("caches whose channel lives on another shard were not cleared")
			.allMatch((instance) -> instance.holds(unaffected, "kept"));
		for (Instance instance : this.instances) {
			assertThat(losses(instance) - lossesBefore.get(instance))
				.as("only the %d channels on the killed primary were lost (degraded or re-subscribed)", channelsOnVictim)
				.isBetween(1L, channelsOnVictim);
		}
		assertCoherent("v2");
		System.out.printf("sharded failover: %d of 8 channels on the killed primary; all instances subscribed and serving the new values %d ms after the "
				+ "kill; flushes %s%n", channelsOnVictim, recoveredMillis,
				this.instances.stream().map((i) -> i.statistics().flushesByReason()).toList());
	}

	@Test
	void slotMigratedMidRunLeavesNoStaleRead() {
		ShardedChannels channels = channels();
		int bucket = channels.bucketOf("products");
		int slot = channels.slot(bucket);
		RedisServerProcess source = owner(slot);
		RedisServerProcess target = this.cluster.primaries().stream().filter((p) -> p != source).findFirst().orElseThrow();
		for (long id = 1; id <= 20; id++) {
			readEverywhere(id);
		}
		long flushesBefore = flushes();
		String sourceId = this.cluster.commands(source).clusterMyId();
		String targetId = this.cluster.commands(target).clusterMyId();
		this.cluster.commands(target).clusterSetSlotImporting(slot, sourceId);
		this.cluster.commands(source).clusterSetSlotMigrating(slot, targetId);
		for (long id = 1; id <= 10; id++) {
			write(this.instances.get((int) id % 3), id, "v1");
		}
		// No keys to move (the slot only carries the channel): hand the slot over.
		this.cluster.commands(target).clusterSetSlotNode(slot, targetId);
		this.cluster.commands(source).clusterSetSlotNode(slot, targetId);
		for (RedisServerProcess other : this.cluster.primaries()) {
			if (other != source && other != target) {
				this.cluster.commands(other).clusterSetSlotNode(slot, targetId);
			}
		}
		for (long id = 11; id <= 20; id++) {
			write(this.instances.get((int) id % 3), id, "v1");
		}
		await().atMost(RECOVERY).until(() -> owner(slot) == target);
		await().atMost(RECOVERY)
			.until(() -> shardSubscribers(target, channels.channel(bucket)) == 3
					&& this.instances.stream().allMatch(Instance::subscribed));
		for (long id = 1; id <= 20; id++) {
			assertEverywhere(id, "v1", RECOVERY);
		}
		assertThat(shardSubscribers(source, channels.channel(bucket))).isZero();
		assertThat(flushes() - flushesBefore).as("the pushed SUNSUBSCRIBE cleared the channel's caches").isPositive();
		assertCoherent("v2");
		System.out.printf("sharded slot migration: flushes %s%n",
				this.instances.stream().map((i) -> i.statistics().flushesByReason()).toList());
	}

	/** Coherent afterwards: an invalidation reaches every instance again (no TTL would hide a miss). */
	private void assertCoherent(String value) {
		for (long id = 1; id <= 3; id++) {
			readEverywhere(id);
			write(this.instances.get((int) id - 1), id, value);
			assertEverywhere(id, value, Duration.ofSeconds(5));
		}
	}

	private ShardedChannels channels() {
		return this.instances.get(0).context.getBean(ShardedMonitors.class).channels();
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

	private long shardSubscribers(RedisServerProcess node, String channel) {
		return this.cluster.commands(node).pubsubShardNumsub(channel).getOrDefault(channel, 0L);
	}

	private Map<RedisServerProcess, Long> spublishCalls() {
		Map<RedisServerProcess, Long> calls = new HashMap<>();
		for (RedisServerProcess primary : this.cluster.primaries()) {
			long count = this.cluster.commands(primary).info("commandstats").lines()
				.filter((line) -> line.startsWith("cmdstat_spublish:"))
				.mapToLong((line) -> Long.parseLong(line.replaceAll("^cmdstat_spublish:calls=(\\d+),.*", "$1")))
				.sum();
			calls.put(primary, count);
		}
		return calls;
	}

	/** Channels an instance found dead or re-subscribed: its degraded and reconnect flushes. */
	private static long losses(Instance instance) {
		Map<dev.nearcache.invalidation.FlushReason, Long> flushes = instance.statistics().flushesByReason();
		return flushes.get(dev.nearcache.invalidation.FlushReason.DEGRADED)
				+ flushes.get(dev.nearcache.invalidation.FlushReason.RECONNECT);
	}

	private long flushes() {
		return this.instances.stream()
			.mapToLong((instance) -> instance.statistics().flushesByReason().values().stream()
				.mapToLong(Long::longValue).sum() + instance.statistics().coalescedFlushes())
			.sum();
	}

	private void write(Instance instance, long id, String value) {
		CatalogTestApplication.database.put(id, value);
		instance.service().delete(id);
		CatalogTestApplication.database.put(id, value);
	}

	private void readEverywhere(long id) {
		for (Instance instance : this.instances) {
			instance.service().find(id);
		}
	}

	private void assertEverywhere(long id, String expected, Duration deadline) {
		await().atMost(deadline).untilAsserted(() -> {
			for (Instance instance : this.instances) {
				assertThat(instance.service().find(id)).as("product %d", id).isEqualTo(expected);
			}
		});
	}

}
