package dev.nearcache.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import dev.nearcache.audit.AuditAction;
import dev.nearcache.cache.DegradedMode;
import dev.nearcache.invalidation.PubSubMode;

/**
 * Configuration properties of nearcache.
 */
@ConfigurationProperties("nearcache")
public class NearCacheProperties {

	/**
	 * Whether to auto-configure the near cache manager.
	 */
	private boolean enabled = true;

	/**
	 * Id of this instance on the invalidation channel, used to skip its own messages. Defaults to
	 * host-pid-random, unique per process.
	 */
	private @Nullable String instanceId;

	/**
	 * Redis pub/sub channel for invalidations. Defaults to 'nearcache:<spring.application.name>', so that two
	 * applications sharing a Redis do not invalidate each other's caches.
	 */
	private @Nullable String channel;

	/**
	 * Whether caches not configured under 'nearcache.caches' or 'spring.cache.cache-names' are created on first
	 * use with the defaults. When false, using an unknown cache name is an error.
	 */
	private boolean dynamic = true;

	/**
	 * Settings of every cache unless overridden under 'nearcache.caches'.
	 */
	private final Defaults defaults = new Defaults();

	/**
	 * Per-cache settings, by cache name; each overrides the defaults it sets.
	 */
	private final Map<String, CacheSpec> caches = new LinkedHashMap<>();

	private final Invalidation invalidation = new Invalidation();

	private final Keys keys = new Keys();

	private final Heartbeat heartbeat = new Heartbeat();

	private final Security security = new Security();

	private final Degraded degraded = new Degraded();

	private final Redis redis = new Redis();

	private final Audit audit = new Audit();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(@Nullable String instanceId) {
		this.instanceId = instanceId;
	}

	public @Nullable String getChannel() {
		return this.channel;
	}

	public void setChannel(@Nullable String channel) {
		this.channel = channel;
	}

	public boolean isDynamic() {
		return this.dynamic;
	}

	public void setDynamic(boolean dynamic) {
		this.dynamic = dynamic;
	}

	public Defaults getDefaults() {
		return this.defaults;
	}

	public Map<String, CacheSpec> getCaches() {
		return this.caches;
	}

	public Invalidation getInvalidation() {
		return this.invalidation;
	}

	public Keys getKeys() {
		return this.keys;
	}

	public Security getSecurity() {
		return this.security;
	}

	public Heartbeat getHeartbeat() {
		return this.heartbeat;
	}

	public Degraded getDegraded() {
		return this.degraded;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Audit getAudit() {
		return this.audit;
	}

	/**
	 * The budget of the stale-read audit, shared by every audited cache (which caches are audited, and how often,
	 * is set per cache: 'nearcache.caches.<name>.audit').
	 */
	public static class Audit {

		/**
		 * Threads that invoke sampled methods again; at most this many extra calls reach the source of truth at
		 * once.
		 */
		private int threads = 2;

		/**
		 * Samples waiting for a thread (and differences waiting for their confirmation); beyond it samples are
		 * skipped and counted, never waited for.
		 */
		private int queueCapacity = 100;

		/**
		 * How long a difference must outlive the sampled entry before it counts as a stale read: the entry must
		 * still be cached and its key not invalidated by then. Unset: the staleness bound of normal operation,
		 * 'heartbeat.window' + 'heartbeat.window'/3 + 'invalidation.clear-coalesce-window'.
		 */
		private @Nullable Duration confirmAfter;

		/**
		 * Longest wait for the result of a sampled method that returns a CompletableFuture, Mono or Flux.
		 */
		private Duration timeout = Duration.ofSeconds(10);

		/**
		 * Most repeated calls per second on this instance, over all audited caches: the audit's budget on the
		 * source of truth; sampled hits beyond it are skipped and counted. 0 leaves only the threads as a limit.
		 */
		private int maxCallsPerSecond = 100;

		public int getMaxCallsPerSecond() {
			return this.maxCallsPerSecond;
		}

		public void setMaxCallsPerSecond(int maxCallsPerSecond) {
			this.maxCallsPerSecond = maxCallsPerSecond;
		}

		public int getThreads() {
			return this.threads;
		}

		public void setThreads(int threads) {
			this.threads = threads;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public @Nullable Duration getConfirmAfter() {
			return this.confirmAfter;
		}

		public void setConfirmAfter(@Nullable Duration confirmAfter) {
			this.confirmAfter = confirmAfter;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

	/**
	 * The stale-read audit of every cache, unless a cache sets its own.
	 */
	public static class AuditDefaults {

		/**
		 * Share of the hits of every cache re-checked against the source of truth, from 0 (off) to 1. Above 0 it
		 * makes every @Cacheable method run again for sampled hits: prefer 'nearcache.caches.<name>.audit.sample-rate'.
		 */
		private double sampleRate;

		/**
		 * What to do with a confirmed stale read: 'report' (count and log) or 'evict' (also evict the key on this
		 * instance only).
		 */
		private AuditAction action = AuditAction.REPORT;

		public double getSampleRate() {
			return this.sampleRate;
		}

		public void setSampleRate(double sampleRate) {
			this.sampleRate = sampleRate;
		}

		public AuditAction getAction() {
			return this.action;
		}

		public void setAction(AuditAction action) {
			this.action = action;
		}

	}

	/**
	 * The stale-read audit of one cache; unset values fall back to 'nearcache.defaults.audit'.
	 */
	public static class CacheAudit {

		/**
		 * Share of this cache's hits re-checked against the source of truth, from 0 (off) to 1; e.g. 0.001 in
		 * production, 1 in staging.
		 */
		private @Nullable Double sampleRate;

		/**
		 * What to do with a confirmed stale read of this cache: 'report' or 'evict' (this instance only).
		 */
		private @Nullable AuditAction action;

		/**
		 * Name of the CacheValueComparator bean that compares this cache's values, for values whose equals does
		 * not fit (timestamps that differ on every load, unordered collections).
		 */
		private @Nullable String comparator;

		public @Nullable Double getSampleRate() {
			return this.sampleRate;
		}

		public void setSampleRate(@Nullable Double sampleRate) {
			this.sampleRate = sampleRate;
		}

		public @Nullable AuditAction getAction() {
			return this.action;
		}

		public void setAction(@Nullable AuditAction action) {
			this.action = action;
		}

		public @Nullable String getComparator() {
			return this.comparator;
		}

		public void setComparator(@Nullable String comparator) {
			this.comparator = comparator;
		}

	}

	/**
	 * How nearcache uses Redis for the invalidation channel: its own credentials, and the pub/sub flavour.
	 */
	public static class Redis {

		/**
		 * Login user of nearcache's own Redis connection. When it or 'nearcache.redis.password' is set, nearcache
		 * publishes and subscribes on a connection of its own, to the same Redis as the application's connection
		 * factory (same host, sentinel or cluster nodes, SSL and timeouts) but with these credentials; otherwise it
		 * shares the application's connection factory.
		 */
		private @Nullable String username;

		/**
		 * Login password of nearcache's own Redis connection (see 'nearcache.redis.username').
		 */
		private @Nullable String password;

		/**
		 * Redis pub/sub flavour: 'classic' (PUBLISH on one channel, any Redis), 'sharded' (Redis 7 SPUBLISH on
		 * 'nearcache.redis.sharded-channels' channels spread over a Redis Cluster's shards), or 'auto' (sharded
		 * when 'spring.data.redis.cluster.nodes' is set, classic otherwise). Every instance of an application must
		 * use the same flavour.
		 */
		private PubSubMode pubsub = PubSubMode.CLASSIC;

		/**
		 * Number of channels in sharded mode, a power of two: each cache's invalidations go to channel
		 * '<nearcache.channel>:<CLUSTER KEYSLOT of the cache name mod this>'. About twice the number of primaries
		 * spreads the load; every instance needs one connection per channel.
		 */
		private int shardedChannels = 8;

		public @Nullable String getUsername() {
			return this.username;
		}

		public void setUsername(@Nullable String username) {
			this.username = username;
		}

		public @Nullable String getPassword() {
			return this.password;
		}

		public void setPassword(@Nullable String password) {
			this.password = password;
		}

		public PubSubMode getPubsub() {
			return this.pubsub;
		}

		public void setPubsub(PubSubMode pubsub) {
			this.pubsub = pubsub;
		}

		public int getShardedChannels() {
			return this.shardedChannels;
		}

		public void setShardedChannels(int shardedChannels) {
			this.shardedChannels = shardedChannels;
		}

	}

	/**
	 * Heartbeats: how an instance proves its own subscription works and tells others its latest sequence number.
	 */
	public static class Heartbeat {

		/**
		 * How often each instance publishes a heartbeat on the channel.
		 */
		private Duration interval = Duration.ofSeconds(1);

		/**
		 * How long an instance may hear nothing on the channel, not even its own heartbeat, before it considers
		 * its subscription dead, degrades and re-subscribes. Defaults to three heartbeat intervals.
		 */
		private @Nullable Duration window;

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public @Nullable Duration getWindow() {
			return this.window;
		}

		public void setWindow(@Nullable Duration window) {
			this.window = window;
		}

	}

	/**
	 * What the caches do while invalidations may not arrive (Redis unreachable, subscription lost or stalled).
	 */
	public static class Degraded {

		/**
		 * Degraded behaviour: 'short-ttl' clears the caches and caps entry life at 'nearcache.degraded.ttl';
		 * 'bypass' caches nothing; 'serve-stale' keeps the normal TTL.
		 */
		private DegradedMode mode = DegradedMode.SHORT_TTL;

		/**
		 * Longest life of an entry while degraded in 'short-ttl' mode: the staleness bound then.
		 */
		private Duration ttl = Duration.ofSeconds(5);

		public DegradedMode getMode() {
			return this.mode;
		}

		public void setMode(DegradedMode mode) {
			this.mode = mode;
		}

		public Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(Duration ttl) {
			this.ttl = ttl;
		}

	}

	/**
	 * Settings every cache starts from.
	 */
	public static class Defaults {

		/**
		 * How long an entry lives after it was written. Bounds staleness when an invalidation is lost.
		 */
		private Duration ttl = Duration.ofMinutes(5);

		/**
		 * How long a cached null ("not found") lives after it was written. Up to 'ttl' costs hits nothing; longer
		 * makes every hit of the cache pay for a per-entry expiry.
		 */
		private Duration nullTtl = Duration.ofSeconds(30);

		/**
		 * Maximum number of entries per cache; beyond it, Caffeine evicts the least valuable.
		 */
		private long maximumSize = 10_000;

		/**
		 * Whether null results are cached (for 'null-ttl').
		 */
		private boolean allowNullValues = true;

		/**
		 * Whether invalidations of the cache are published to the other instances. False makes a purely local
		 * cache, for data that never changes elsewhere.
		 */
		private boolean broadcast = true;

		private final AuditDefaults audit = new AuditDefaults();

		public AuditDefaults getAudit() {
			return this.audit;
		}

		public Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(Duration ttl) {
			this.ttl = ttl;
		}

		public Duration getNullTtl() {
			return this.nullTtl;
		}

		public void setNullTtl(Duration nullTtl) {
			this.nullTtl = nullTtl;
		}

		public long getMaximumSize() {
			return this.maximumSize;
		}

		public void setMaximumSize(long maximumSize) {
			this.maximumSize = maximumSize;
		}

		public boolean isAllowNullValues() {
			return this.allowNullValues;
		}

		public void setAllowNullValues(boolean allowNullValues) {
			this.allowNullValues = allowNullValues;
		}

		public boolean isBroadcast() {
			return this.broadcast;
		}

		public void setBroadcast(boolean broadcast) {
			this.broadcast = broadcast;
		}

	}

	/**
	 * Settings of one cache; unset values fall back to 'nearcache.defaults'.
	 */
	public static class CacheSpec {

		/**
		 * How long an entry lives after it was written.
		 */
		private @Nullable Duration ttl;

		/**
		 * How long a cached null lives after it was written.
		 */
		private @Nullable Duration nullTtl;

		/**
		 * Maximum number of entries.
		 */
		private @Nullable Long maximumSize;

		/**
		 * Whether null results are cached.
		 */
		private @Nullable Boolean allowNullValues;

		/**
		 * Whether invalidations are published to the other instances.
		 */
		private @Nullable Boolean broadcast;

		private final CacheAudit audit = new CacheAudit();

		public CacheAudit getAudit() {
			return this.audit;
		}

		public @Nullable Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(@Nullable Duration ttl) {
			this.ttl = ttl;
		}

		public @Nullable Duration getNullTtl() {
			return this.nullTtl;
		}

		public void setNullTtl(@Nullable Duration nullTtl) {
			this.nullTtl = nullTtl;
		}

		public @Nullable Long getMaximumSize() {
			return this.maximumSize;
		}

		public void setMaximumSize(@Nullable Long maximumSize) {
			this.maximumSize = maximumSize;
		}

		public @Nullable Boolean getAllowNullValues() {
			return this.allowNullValues;
		}

		public void setAllowNullValues(@Nullable Boolean allowNullValues) {
			this.allowNullValues = allowNullValues;
		}

		public @Nullable Boolean getBroadcast() {
			return this.broadcast;
		}

		public void setBroadcast(@Nullable Boolean broadcast) {
			this.broadcast = broadcast;
		}

	}

	/**
	 * The invalidation channel.
	 */
	public static class Invalidation {

		/**
		 * Whether invalidations are exchanged with other instances over Redis. When false, or when no Redis is
		 * configured, caches are local and only their TTL bounds staleness.
		 */
		private boolean enabled = true;

		/**
		 * Largest message read or written; larger received messages are dropped and counted, larger outgoing
		 * invalidations are split.
		 */
		private DataSize maxMessageSize = DataSize.ofKilobytes(64);

		/**
		 * Longest wait for Redis to acknowledge a publish, independent of the client's command timeout.
		 */
		private Duration publishTimeout = Duration.ofSeconds(2);

		/**
		 * Longest wait at shutdown for pending invalidations to be published.
		 */
		private Duration shutdownTimeout = Duration.ofSeconds(3);

		/**
		 * Most keys of one cache waiting to be published (while Redis is slow or unreachable); beyond it the cache
		 * is cleared on the other instances instead. The default absorbs a 400 ms stall at 250,000 invalidations a
		 * second (a few MB of keys at most).
		 */
		private int maxPendingKeys = 100_000;

		/**
		 * Most received messages waiting to be applied; on overflow every cache is cleared.
		 */
		private int receiveQueueCapacity = 10_000;

		/**
		 * How long after a remote clear of a cache (or a flush for a sequence gap) further ones are deferred and
		 * merged into one at the end of the window, so a burst of clear messages empties each cache at most twice
		 * per window; a deferred clear lands at most this late. Zero applies every clear at once.
		 */
		private Duration clearCoalesceWindow = Duration.ofMillis(100);

		/**
		 * Longest wait between attempts to subscribe while Redis is unreachable.
		 */
		private Duration maxRetryInterval = Duration.ofSeconds(5);

		/**
		 * Idle time after which TCP keepalive probes start on the application's Lettuce connections (three
		 * probes, a third of it apart), so that the operating system also closes a half-open subscription
		 * connection. Unset: the client's defaults. nearcache's heartbeats detect a dead subscription regardless;
		 * this changes the socket options of the application's shared Redis client. Needs a transport that
		 * supports extended keepalive options (epoll, io_uring, or NIO on JDK 11+).
		 */
		private @Nullable Duration tcpKeepAliveIdle;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public DataSize getMaxMessageSize() {
			return this.maxMessageSize;
		}

		public void setMaxMessageSize(DataSize maxMessageSize) {
			this.maxMessageSize = maxMessageSize;
		}

		public Duration getPublishTimeout() {
			return this.publishTimeout;
		}

		public void setPublishTimeout(Duration publishTimeout) {
			this.publishTimeout = publishTimeout;
		}

		public Duration getShutdownTimeout() {
			return this.shutdownTimeout;
		}

		public void setShutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
		}

		public int getMaxPendingKeys() {
			return this.maxPendingKeys;
		}

		public void setMaxPendingKeys(int maxPendingKeys) {
			this.maxPendingKeys = maxPendingKeys;
		}

		public int getReceiveQueueCapacity() {
			return this.receiveQueueCapacity;
		}

		public void setReceiveQueueCapacity(int receiveQueueCapacity) {
			this.receiveQueueCapacity = receiveQueueCapacity;
		}

		public Duration getClearCoalesceWindow() {
			return this.clearCoalesceWindow;
		}

		public void setClearCoalesceWindow(Duration clearCoalesceWindow) {
			this.clearCoalesceWindow = clearCoalesceWindow;
		}

		public Duration getMaxRetryInterval() {
			return this.maxRetryInterval;
		}

		public @Nullable Duration getTcpKeepAliveIdle() {
			return this.tcpKeepAliveIdle;
		}

		public void setTcpKeepAliveIdle(@Nullable Duration tcpKeepAliveIdle) {
			this.tcpKeepAliveIdle = tcpKeepAliveIdle;
		}

		public void setMaxRetryInterval(Duration maxRetryInterval) {
			this.maxRetryInterval = maxRetryInterval;
		}

	}

	/**
	 * Canonical key forms for types nearcache does not know.
	 */
	public static class Keys {

		/**
		 * Fully qualified key types whose toString() is deterministic across JVMs and may serve as their
		 * canonical form (e.g. records of strings and numbers). Alternatively, define a CacheKeyConverter bean.
		 */
		private List<String> toStringTypes = new ArrayList<>();

		public List<String> getToStringTypes() {
			return this.toStringTypes;
		}

		public void setToStringTypes(List<String> toStringTypes) {
			this.toStringTypes = toStringTypes;
		}

	}

	/**
	 * Protection of the invalidation channel.
	 */
	public static class Security {

		private final Signing signing = new Signing();

		public Signing getSigning() {
			return this.signing;
		}

	}

	/**
	 * HMAC-SHA256 signing of invalidation messages, for a Redis that others can publish on.
	 */
	public static class Signing {

		/**
		 * Secret that signs every message sent and must have signed every message received (at least 32 bytes;
		 * e.g. 'openssl rand -base64 32'). Unset: messages are neither signed nor verified.
		 */
		private @Nullable String secret;

		/**
		 * Second secret also accepted on received messages but never used to sign, for rotating the secret
		 * without dropping messages: first add the new secret here everywhere, then swap the two, then remove
		 * this one.
		 */
		private @Nullable String previousSecret;

		/**
		 * How far the timestamp of a signed message may be from this instance's clock, either way; older
		 * messages are dropped as replays. Must cover clock differences between hosts.
		 */
		private Duration maxAge = Duration.ofSeconds(60);

		/**
		 * Whether unsigned messages are still applied while a secret is set, for switching a running fleet to
		 * signing one instance at a time. Leave false otherwise: it lets anyone publish again.
		 */
		private boolean acceptUnsigned;

		public @Nullable String getSecret() {
			return this.secret;
		}

		public void setSecret(@Nullable String secret) {
			this.secret = secret;
		}

		public @Nullable String getPreviousSecret() {
			return this.previousSecret;
		}

		public void setPreviousSecret(@Nullable String previousSecret) {
			this.previousSecret = previousSecret;
		}

		public Duration getMaxAge() {
			return this.maxAge;
		}

		public void setMaxAge(Duration maxAge) {
			this.maxAge = maxAge;
		}

		public boolean isAcceptUnsigned() {
			return this.acceptUnsigned;
		}

		public void setAcceptUnsigned(boolean acceptUnsigned) {
			this.acceptUnsigned = acceptUnsigned;
		}

	}

}
