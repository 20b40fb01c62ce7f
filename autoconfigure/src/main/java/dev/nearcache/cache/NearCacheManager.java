package dev.nearcache.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.CacheManager;

/**
 * A {@link CacheManager} of {@link NearCache near caches}: every cache lives in this instance's memory and its
 * invalidations are published through one {@link InvalidationPublisher}.
 * <p>
 * The manager is the registry of every live cache of the application: caches configured up front and, when
 * dynamic, caches created on first use. Invalidations received from other instances are applied through
 * {@link #findCache} and {@link #caches()}, which never create a cache: a message naming a cache this instance
 * has not used has nothing to evict, and hostile input must not be able to create caches.
 */
public class NearCacheManager implements CacheManager {

	private static final Log logger = LogFactory.getLog(NearCacheManager.class);

	private static final int MAX_REPORTED_UNKNOWN_NAMES = 100;

	private final ConcurrentHashMap<String, NearCache> caches = new ConcurrentHashMap<>();

	private final NearCacheSettings defaults;

	private final Map<String, NearCacheSettings> configured;

	private final boolean dynamic;

	private final KeyCanonicalizer canonicalizer;

	private final InvalidationPublisher publisher;

	private final List<Consumer<NearCache>> creationListeners = new CopyOnWriteArrayList<>();

	private final Set<String> reportedUnknownNames = ConcurrentHashMap.newKeySet();

	private volatile @Nullable DegradedMode degradedMode;

	private volatile Duration degradedTtl = Duration.ofSeconds(5);

	/**
	 * Create a manager.
	 * @param defaults the settings of caches created on first use (their name is replaced)
	 * @param configured caches that exist from the start, by name
	 * @param dynamic whether caches not in {@code configured} are created on first use
	 * @param canonicalizer the canonical key forms
	 * @param publisher where local invalidations are sent
	 */
	public NearCacheManager(NearCacheSettings defaults, Collection<NearCacheSettings> configured, boolean dynamic,
			KeyCanonicalizer canonicalizer, InvalidationPublisher publisher) {
		this.defaults = defaults;
		Map<String, NearCacheSettings> byName = new LinkedHashMap<>();
		configured.forEach((settings) -> byName.put(settings.name(), settings));
		this.configured = Collections.unmodifiableMap(byName);
		this.dynamic = dynamic;
		this.canonicalizer = canonicalizer;
		this.publisher = publisher;
		this.configured.values().forEach((settings) -> this.caches.put(settings.name(), create(settings)));
	}

	@Override
	public @Nullable NearCache getCache(String name) {
		NearCache cache = this.caches.get(name);
		if (cache != null) {
			return cache;
		}
		if (!this.dynamic) {
			reportUnknown(name);
			return null;
		}
		NearCache created;
		// Under the lock of degrade() and restore(): a cache takes the mode in force when it becomes visible to
		// them, so it can neither miss a degrade nor stay degraded after a restore.
		synchronized (this) {
			cache = this.caches.get(name);
			if (cache != null) {
				return cache;
			}
			created = create(this.defaults.withName(name));
			this.caches.put(name, created);
		}
		this.creationListeners.forEach((listener) -> listener.accept(created));
		return created;
	}

	@Override
	public Collection<String> getCacheNames() {
		return Collections.unmodifiableSet(this.caches.keySet());
	}

	/**
	 * Return a cache if it exists on this instance, without creating it.
	 * @param name the cache name
	 * @return the cache, or {@code null}
	 */
	public @Nullable NearCache findCache(String name) {
		return this.caches.get(name);
	}

	/**
	 * Return every live cache.
	 * @return the caches, a snapshot
	 */
	public Collection<NearCache> caches() {
		return List.copyOf(this.caches.values());
	}

	/**
	 * Return whether a cache of this name exists or would be created on first use.
	 * @param name the cache name
	 * @return whether {@link #getCache} returns a cache for the name
	 */
	public boolean isKnown(String name) {
		return this.dynamic || this.caches.containsKey(name);
	}

	/**
	 * Return the settings of caches created on first use (their name is replaced).
	 * @return the default settings
	 */
	public NearCacheSettings getDefaults() {
		return this.defaults;
	}

	/**
	 * Return whether unknown cache names are created on first use.
	 * @return whether caches are dynamic
	 */
	public boolean isDynamic() {
		return this.dynamic;
	}

	/**
	 * Return the canonical key forms this manager's caches use.
	 * @return the canonicalizer
	 */
	public KeyCanonicalizer getKeyCanonicalizer() {
		return this.canonicalizer;
	}

	/**
	 * Return where this manager's caches send their invalidations.
	 * @return the publisher
	 */
	public InvalidationPublisher getPublisher() {
		return this.publisher;
	}

	/**
	 * Call a listener for every cache that exists now and every cache created later, e.g. to bind metrics.
	 * @param listener the listener
	 */
	public void forEachCache(Consumer<NearCache> listener) {
		this.creationListeners.add(listener);
		this.caches.values().forEach(listener);
	}

	/** Clear every cache on this instance only. */
	public void clearAllLocally() {
		this.caches.values().forEach(NearCache::clearLocally);
	}

	/**
	 * Clear, on this instance only, every cache that takes part in invalidation ({@code broadcast}): on a remote
	 * clear-all, and when invalidations may have been missed. Purely local caches are left alone.
	 */
	public void clearBroadcastingLocally() {
		this.caches.values().stream()
			.filter((cache) -> cache.getSettings().broadcast())
			.forEach(NearCache::clearLocally);
	}

	/**
	 * Run every cache, present and future, in a degraded mode until {@link #restore()}.
	 * @param mode what degraded means
	 * @param ttl the TTL cap for {@link DegradedMode#SHORT_TTL}
	 */
	public synchronized void degrade(DegradedMode mode, Duration ttl) {
		this.degradedTtl = ttl;
		this.degradedMode = mode;
		this.caches.values().forEach((cache) -> cache.degrade(mode, ttl));
	}

	/** Leave the degraded mode. The caller clears what was cached while degraded. */
	public synchronized void restore() {
		this.degradedMode = null;
		this.caches.values().forEach(NearCache::restore);
	}

	/**
	 * Return the degraded mode the caches run in.
	 * @return the mode, or {@code null} when not degraded
	 */
	public @Nullable DegradedMode getDegradedMode() {
		return this.degradedMode;
	}

	/** Create a cache in the current mode; called while holding this manager's lock, or from the constructor. */
	private NearCache create(NearCacheSettings settings) {
		DegradedMode mode = this.degradedMode;
		Duration ttl = this.degradedTtl;
		NearCache cache = newCache(settings);
		if (mode != null) {
			cache.degrade(mode, ttl);
		}
		return cache;
	}

	/**
	 * Construct a cache; a seam for tests that interleave creation with {@link #degrade}/{@link #restore}.
	 * @param settings its settings
	 * @return the new cache, not yet degraded
	 */
	NearCache newCache(NearCacheSettings settings) {
		return new NearCache(settings, this.canonicalizer, this.publisher);
	}

	private void reportUnknown(String name) {
		if (this.reportedUnknownNames.size() < MAX_REPORTED_UNKNOWN_NAMES && this.reportedUnknownNames.add(name)) {
			logger.warn("No near cache named '" + name + "': nearcache.dynamic is false and the name is neither in "
					+ "nearcache.caches nor in spring.cache.cache-names. Add it to one of them, or set "
					+ "nearcache.dynamic=true.");
		}
	}

}
