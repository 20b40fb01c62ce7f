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

	private NearCacheSettings defaults;

	private Map<String, NearCacheSettings> configured;

	private boolean dynamic;

	private final List<NearCacheCaffeineCustomizer> caffeineCustomizers = new CopyOnWriteArrayList<>();

	/** Whether the caches were handed out: from then on the settings are fixed. */
	private volatile boolean used;

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
		this(defaults, configured, dynamic, canonicalizer, publisher, List.of());
	}

	/**
	 * Create a manager whose caches' Caffeine stores the application shapes further.
	 * @param defaults the settings of caches created on first use (their name is replaced)
	 * @param configured caches that exist from the start, by name
	 * @param dynamic whether caches not in {@code configured} are created on first use
	 * @param canonicalizer the canonical key forms
	 * @param publisher where local invalidations are sent
	 * @param caffeineCustomizers called, in order, for every cache when it is created
	 * @throws IllegalArgumentException if a customizer sets what a near cache cannot take (it is tried on the
	 * defaults here, so that a cache created on first use cannot fail later)
	 */
	public NearCacheManager(NearCacheSettings defaults, Collection<NearCacheSettings> configured, boolean dynamic,
			KeyCanonicalizer canonicalizer, InvalidationPublisher publisher,
			List<? extends NearCacheCaffeineCustomizer> caffeineCustomizers) {
		this.defaults = defaults;
		Map<String, NearCacheSettings> byName = new LinkedHashMap<>();
		configured.forEach((settings) -> byName.put(settings.name(), settings));
		this.configured = byName;
		this.dynamic = dynamic;
		this.canonicalizer = canonicalizer;
		this.publisher = publisher;
		caffeineCustomizers.forEach(this::tryOnDefaults);
		this.caffeineCustomizers.addAll(caffeineCustomizers);
		createConfigured();
	}

	/**
	 * Fix the caches of this manager, as Spring's {@code CaffeineCacheManager.setCacheNames} does: the named caches
	 * exist from now on (with their {@code nearcache.caches.*} settings, or the defaults), besides the configured
	 * ones, and no other cache is created on first use. For a {@code CacheManagerCustomizer<NearCacheManager>}:
	 * only before the caches are used.
	 * @param cacheNames the names of the caches
	 * @throws IllegalStateException if the caches were already used
	 */
	public void setCacheNames(Collection<String> cacheNames) {
		requireUnused("setCacheNames");
		Map<String, NearCacheSettings> byName = new LinkedHashMap<>(this.configured);
		cacheNames.forEach((name) -> byName.putIfAbsent(name, this.defaults.withName(name)));
		this.configured = byName;
		this.dynamic = false;
		createConfigured();
	}

	/**
	 * Set whether caches not configured are created on first use. For a
	 * {@code CacheManagerCustomizer<NearCacheManager>}: only before the caches are used.
	 * @param dynamic whether caches are created on first use
	 * @throws IllegalStateException if the caches were already used
	 */
	public void setDynamic(boolean dynamic) {
		requireUnused("setDynamic");
		this.dynamic = dynamic;
	}

	/**
	 * Set whether every cache of this manager caches {@code null} results, as Spring's
	 * {@code CaffeineCacheManager.setAllowNullValues} does. For a {@code CacheManagerCustomizer<NearCacheManager>}:
	 * only before the caches are used.
	 * @param allowNullValues whether {@code null} results are cached
	 * @throws IllegalStateException if the caches were already used
	 */
	public void setAllowNullValues(boolean allowNullValues) {
		requireUnused("setAllowNullValues");
		this.defaults = this.defaults.withAllowNullValues(allowNullValues);
		Map<String, NearCacheSettings> byName = new LinkedHashMap<>();
		this.configured.forEach((name, settings) -> byName.put(name, settings.withAllowNullValues(allowNullValues)));
		this.configured = byName;
		createConfigured();
	}

	/**
	 * Add a customizer of the Caffeine store of every cache, present (re-created) and future. For a
	 * {@code CacheManagerCustomizer<NearCacheManager>}: only before the caches are used.
	 * @param customizer the customizer
	 * @throws IllegalStateException if the caches were already used
	 * @throws IllegalArgumentException if the customizer sets what a near cache cannot take
	 */
	public void addCaffeineCustomizer(NearCacheCaffeineCustomizer customizer) {
		requireUnused("addCaffeineCustomizer");
		tryOnDefaults(customizer);
		this.caffeineCustomizers.add(customizer);
		createConfigured();
	}

	/** Fail now, not when a cache is created on first use, if the customizer sets what a near cache cannot take. */
	private void tryOnDefaults(NearCacheCaffeineCustomizer customizer) {
		customizer.customize(this.defaults, new CaffeineOptions());
	}

	/**
	 * Remember that the caches were used. {@link #getCache} runs on every {@code @Cacheable} call: the field is
	 * written once, not on every call, so that the proxy's hit path does no volatile write to a shared cache line.
	 */
	private void markUsed() {
		if (!this.used) {
			this.used = true;
		}
	}

	private void requireUnused(String method) {
		if (this.used) {
			throw new IllegalStateException("NearCacheManager." + method + " is only possible before the caches are "
					+ "used, e.g. in a CacheManagerCustomizer<NearCacheManager>");
		}
	}

	private void createConfigured() {
		this.caches.clear();
		this.configured.values().forEach((settings) -> this.caches.put(settings.name(), create(settings)));
	}

	@Override
	public @Nullable NearCache getCache(String name) {
		markUsed();
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
		markUsed();
		return this.caches.get(name);
	}

	/**
	 * Return every live cache.
	 * @return the caches, a snapshot
	 */
	public Collection<NearCache> caches() {
		markUsed();
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
		markUsed();
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
		CaffeineOptions options = new CaffeineOptions();
		this.caffeineCustomizers.forEach((customizer) -> customizer.customize(settings, options));
		return new NearCache(settings, this.canonicalizer, this.publisher, options);
	}

	private void reportUnknown(String name) {
		if (this.reportedUnknownNames.size() < MAX_REPORTED_UNKNOWN_NAMES && this.reportedUnknownNames.add(name)) {
			logger.warn("No near cache named '" + name + "': nearcache.dynamic is false and the name is neither in "
					+ "nearcache.caches nor in spring.cache.cache-names. Add it to one of them, or set "
					+ "nearcache.dynamic=true.");
		}
	}

}
