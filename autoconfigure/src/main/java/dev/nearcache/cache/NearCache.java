package dev.nearcache.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.support.AbstractValueAdaptingCache;
import org.springframework.cache.support.NullValue;
import org.springframework.cache.support.SimpleValueWrapper;

/**
 * A Spring {@link org.springframework.cache.Cache} held in this instance's memory by Caffeine, whose writes,
 * evictions and clears are published so that the other instances drop their copies.
 * <p>
 * What is published: {@code evict}, {@code evictIfPresent}, {@code clear}, {@code invalidate}, and a
 * {@code put} or {@code putIfAbsent} that is a write ({@code @CachePut}, direct calls). What is not: the
 * {@code put} that fills a {@code @Cacheable} miss, and loads through {@code get(key, Callable)} or
 * {@code retrieve(key, Supplier)}. Every local change takes effect before the method returns.
 * <p>
 * A hit is a Caffeine {@code getIfPresent}, as in Spring's {@code CaffeineCache}: key canonicalisation and
 * bookkeeping happen only where keys are written or evicted. Caffeine expires entries a fixed time after they
 * were written (the TTL); cached nulls with a shorter {@code null-ttl} carry their own deadline
 * ({@link ExpiringNull}), so that no hit pays for a per-entry expiry. Only a {@code null-ttl} longer than the TTL
 * needs Caffeine's variable expiry. Values are stored as their own {@link ValueWrapper} ({@link CachedValue}), so
 * that a {@code get(key)} hit allocates nothing; the native Caffeine cache therefore holds those entries, not the
 * bare values.
 */
public final class NearCache extends AbstractValueAdaptingCache {

	/** What a hit on a cached null that never expires before the values returns; immutable, so shared. */
	private static final ValueWrapper NULL_HIT = new SimpleValueWrapper(null);

	private final NearCacheSettings settings;

	private final Cache<Object, Object> store;

	private final CacheKeys keys;

	private final PendingFills pendingFills = new PendingFills();

	private final ConcurrentHashMap<Object, CompletableFuture<?>> asyncLoads = new ConcurrentHashMap<>();

	private final InvalidationPublisher publisher;

	private final NearCacheStatistics statistics = new NearCacheStatistics(this);

	private final InvalidationGenerations generations = new InvalidationGenerations();

	private final LoadsInFlight loadsInFlight = new LoadsInFlight();

	/** The TTL cap while degraded ({@code null} when not); read only where entries are written. */
	private volatile @Nullable Duration degradedTtl;

	/** The degraded mode this cache runs in ({@code null} when not degraded); for the actuator. */
	private volatile @Nullable DegradedMode degradedMode;

	/** Whether cached nulls live shorter than values, as {@link ExpiringNull}s. */
	private final boolean nullsExpireFirst;

	/**
	 * Create a near cache.
	 * @param settings its settings
	 * @param canonicalizer the canonical key forms
	 * @param publisher where local invalidations are sent
	 */
	public NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher) {
		this(settings, canonicalizer, publisher, CacheMaintenance.EXECUTOR);
	}

	/**
	 * Create a near cache whose Caffeine maintenance and removal notifications run on the given executor: for a
	 * model checker, which can follow only work done on the threads it controls (a same-thread executor).
	 * @param settings its settings
	 * @param canonicalizer the canonical key forms
	 * @param publisher where local invalidations are sent
	 * @param maintenance runs Caffeine's maintenance and removal notifications
	 */
	NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher,
			Executor maintenance) {
		super(settings.allowNullValues());
		this.settings = settings;
		this.keys = new CacheKeys(canonicalizer, settings.broadcast(), this::contains);
		this.publisher = settings.broadcast() ? publisher : InvalidationPublisher.NONE;
		this.nullsExpireFirst = settings.allowNullValues() && settings.nullTtl().compareTo(settings.ttl()) < 0;
		this.store = buildStore(settings, maintenance);
	}

	private Cache<Object, Object> buildStore(NearCacheSettings settings, Executor maintenance) {
		Caffeine<Object, Object> builder = Caffeine.newBuilder()
			.maximumSize(settings.maximumSize())
			.recordStats()
			.executor(maintenance)
			.removalListener(this::onRemoval);
		if (settings.allowNullValues() && settings.nullTtl().compareTo(settings.ttl()) > 0) {
			// Nulls outlive values: the one case that needs a per-entry expiry.
			builder.expireAfter(Expiry.writing((Object key, Object value) -> capped((value == NullValue.INSTANCE)
					? settings.nullTtl() : settings.ttl())));
		}
		else {
			builder.expireAfterWrite(settings.ttl());
		}
		return builder.build();
	}

	private Duration capped(Duration ttl) {
		Duration cap = this.degradedTtl;
		return (cap != null && cap.compareTo(ttl) < 0) ? cap : ttl;
	}

	/**
	 * Enter a degraded mode on this instance: invalidations may not arrive. Clears the cache unless the mode
	 * is {@link DegradedMode#SERVE_STALE}. Purely local caches are not affected.
	 * @param mode the mode
	 * @param ttl the TTL cap for {@link DegradedMode#SHORT_TTL}
	 */
	public void degrade(DegradedMode mode, Duration ttl) {
		if (!this.settings.broadcast()) {
			return;
		}
		this.degradedMode = mode;
		if (mode == DegradedMode.SERVE_STALE) {
			return;
		}
		if (mode == DegradedMode.BYPASS) {
			this.store.policy().eviction().ifPresent((eviction) -> eviction.setMaximum(0));
		}
		else {
			this.degradedTtl = ttl;
			this.store.policy().expireAfterWrite().ifPresent((expiry) -> expiry.setExpiresAfter(capped(this.settings.ttl())));
		}
		clearLocally();
	}

	/** Leave the degraded mode: normal TTL and size again (the caller clears what was cached meanwhile). */
	public void restore() {
		this.degradedMode = null;
		this.degradedTtl = null;
		this.store.policy().eviction().ifPresent((eviction) -> eviction.setMaximum(this.settings.maximumSize()));
		this.store.policy().expireAfterWrite().ifPresent((expiry) -> expiry.setExpiresAfter(this.settings.ttl()));
	}

	@Override
	protected Object toStoreValue(@Nullable Object userValue) {
		if (userValue != null) {
			return new CachedValue(userValue);
		}
		if (this.nullsExpireFirst) {
			return new ExpiringNull(System.nanoTime() + capped(this.settings.nullTtl()).toNanos());
		}
		return super.toStoreValue(null);
	}

	@Override
	protected @Nullable Object fromStoreValue(@Nullable Object storeValue) {
		if (storeValue instanceof CachedValue cached) {
			return cached.get();
		}
		return (storeValue instanceof ExpiringNull) ? null : super.fromStoreValue(storeValue);
	}

	/**
	 * The wrapper a hit on anything but a {@link CachedValue} returns: a live {@link ExpiringNull} is its own, a
	 * {@code NullValue} shares one; only a bare value put through the native cache is wrapped per hit.
	 */
	private ValueWrapper hit(Object storeValue) {
		if (storeValue instanceof ExpiringNull cachedNull) {
			return cachedNull;
		}
		return (storeValue == NullValue.INSTANCE) ? NULL_HIT : new SimpleValueWrapper(fromStoreValue(storeValue));
	}

	/**
	 * Read an entry as a hit would: a cached null past its null TTL is a miss (Caffeine counted it as a hit,
	 * corrected in the statistics) and is removed.
	 */
	private @Nullable Object read(Object key) {
		Object value = this.store.getIfPresent(key);
		return (value == null || expiredOnRead(key, value)) ? null : value;
	}

	private boolean expiredOnRead(Object key, Object value) {
		if (value instanceof ExpiringNull cachedNull && cachedNull.hasExpired()) {
			this.statistics.recordExpiredNullRead();
			removeExpired(key, cachedNull);
			return true;
		}
		return false;
	}

	private static boolean isExpiredNull(@Nullable Object storeValue) {
		return storeValue instanceof ExpiringNull cachedNull && cachedNull.hasExpired();
	}

	private void removeExpired(Object key, Object expiredNull) {
		if (this.store.asMap().remove(key, expiredNull)) {
			this.statistics.recordExpiredNullRemoved();
		}
	}

	/** Caffeine's {@code putIfAbsent}, where a cached null past its null TTL counts as absent. */
	private @Nullable Object putIfAbsentLive(Object key, Object storeValue) {
		while (true) {
			Object existing = this.store.asMap().putIfAbsent(key, storeValue);
			if (!isExpiredNull(existing)) {
				return existing;
			}
			if (this.store.asMap().replace(key, existing, storeValue)) {
				this.statistics.recordExpiredNullRemoved();
				return null;
			}
		}
	}

	/**
	 * Return the degraded mode this cache runs in: set while the channel that carries its invalidations is
	 * unproven (in sharded mode, only that cache's channel). Purely local caches are never degraded.
	 * @return the mode, or {@code null} when invalidations of this cache are known to flow
	 */
	public @Nullable DegradedMode getDegradedMode() {
		return this.degradedMode;
	}

	@Override
	public String getName() {
		return this.settings.name();
	}

	/**
	 * Return the Caffeine cache behind this one. Its values are the entries this cache stores: each value is held
	 * in a {@link ValueWrapper} (read it with {@code get()}), a cached null as Spring's {@code NullValue} or as a
	 * wrapper of {@code null}. Writes through it bypass invalidation; use it to inspect, not to change.
	 * @return the native cache
	 */
	@Override
	public Cache<Object, Object> getNativeCache() {
		return this.store;
	}

	/**
	 * Return the settings this cache was built with.
	 * @return the settings
	 */
	public NearCacheSettings getSettings() {
		return this.settings;
	}

	@Override
	protected @Nullable Object lookup(Object key) {
		return read(key);
	}

	@Override
	public @Nullable ValueWrapper get(Object key) {
		Object value = this.store.getIfPresent(key);
		if (value instanceof CachedValue cached) {
			return cached;
		}
		if (value == null || expiredOnRead(key, value)) {
			FillScope.missed(this.pendingFills, key, this.generations.current(), false);
			return null;
		}
		return hit(value);
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		Object value = read(key);
		if (value == null) {
			String canonical = this.keys.beforeWrite(key);
			long tick = this.generations.current();
			LoadsInFlight.Load load = this.loadsInFlight.begin(tick);
			try {
				value = this.store.get(key, (k) -> load(k, valueLoader));
				while (isExpiredNull(value)) {
					removeExpired(key, value);
					value = this.store.get(key, (k) -> load(k, valueLoader));
				}
				this.keys.written(key, canonical);
				// Caffeine makes a key invalidation wait for an in-flight load, but a clear does not.
				discardIfInvalidatedSince(tick, key, canonical, value);
			}
			finally {
				this.loadsInFlight.end(load);
			}
		}
		return (T) fromStoreValue(value);
	}

	private Object load(Object key, Callable<?> valueLoader) {
		try {
			return toStoreValue(valueLoader.call());
		}
		catch (Exception ex) {
			throw new ValueRetrievalException(key, valueLoader, ex);
		}
	}

	@Override
	public @Nullable CompletableFuture<?> retrieve(Object key) {
		Object value = read(key);
		if (value == null) {
			FillScope.missed(this.pendingFills, key, this.generations.current(), true);
			return null;
		}
		return CompletableFuture.completedFuture(isAllowNullValues() ? toValueWrapper(value) : fromStoreValue(value));
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
		Object value = read(key);
		if (value != null) {
			return CompletableFuture.completedFuture((T) fromStoreValue(value));
		}
		CompletableFuture<T> load = new CompletableFuture<>();
		CompletableFuture<?> running = this.asyncLoads.putIfAbsent(key, load);
		if (running != null) {
			return (CompletableFuture<T>) running;
		}
		try {
			String canonical = this.keys.beforeWrite(key);
			long tick = this.generations.current();
			valueLoader.get().whenComplete((loaded, failure) -> {
				try {
					if (failure != null) {
						this.statistics.recordFillFailure();
					}
					else if (loaded != null || isAllowNullValues()) {
						fill(key, canonical, toStoreValue(loaded), tick);
					}
				}
				finally {
					this.asyncLoads.remove(key, load);
				}
				if (failure != null) {
					load.completeExceptionally(failure);
				}
				else {
					load.complete(loaded);
				}
			});
		}
		catch (RuntimeException ex) {
			this.asyncLoads.remove(key, load);
			load.completeExceptionally(ex);
		}
		return load;
	}

	@Override
	public void put(Object key, @Nullable Object value) {
		String canonical = this.keys.beforeWrite(key);
		Object storeValue = toStoreValue(value);
		long fillTick = FillScope.consumeOwn(this.pendingFills, key);
		if (fillTick == PendingFills.NOT_A_FILL) {
			fillTick = this.pendingFills.consume(key);
		}
		if (fillTick != PendingFills.NOT_A_FILL) {
			fill(key, canonical, storeValue, fillTick);
			return;
		}
		// A write: loads that started before it must not overwrite it with what they read.
		this.generations.invalidating(stripeKey(key, canonical));
		this.store.put(key, storeValue);
		this.keys.written(key, canonical);
		wrote(key, canonical);
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		String canonical = this.keys.beforeWrite(key);
		Object storeValue = toStoreValue(value);
		long fillTick = FillScope.consumeOwn(this.pendingFills, key);
		if (fillTick == PendingFills.NOT_A_FILL) {
			fillTick = this.pendingFills.consume(key);
		}
		if (fillTick != PendingFills.NOT_A_FILL) {
			return fillIfAbsent(key, canonical, storeValue, fillTick);
		}
		// A write, as in put(): loads that started before it must not overwrite it with what they read.
		this.generations.invalidating(stripeKey(key, canonical));
		Object existing = putIfAbsentLive(key, storeValue);
		if (existing != null) {
			return toValueWrapper(existing);
		}
		this.keys.written(key, canonical);
		wrote(key, canonical);
		return null;
	}

	/**
	 * {@link #fill} for {@code putIfAbsent}: the same checks before and after installing, around Caffeine's own
	 * {@code putIfAbsent} so that an existing value is left alone and returned.
	 */
	private @Nullable ValueWrapper fillIfAbsent(Object key, @Nullable String canonical, Object storeValue, long tick) {
		LoadsInFlight.Load load = this.loadsInFlight.begin(tick);
		try {
			if (this.generations.movedSince(tick, stripeKey(key, canonical))) {
				this.statistics.recordStaleLoadDiscarded();
				return null;
			}
			Object existing = putIfAbsentLive(key, storeValue);
			if (existing != null) {
				return toValueWrapper(existing);
			}
			this.statistics.recordUncountedFill();
			this.keys.written(key, canonical);
			discardIfInvalidatedSince(tick, key, canonical, storeValue);
			return null;
		}
		finally {
			this.loadsInFlight.end(load);
		}
	}

	/**
	 * Install a value loaded after a miss, unless the key was invalidated since the miss: then the value may
	 * predate the change that caused the invalidation, and is discarded (the caller still gets it).
	 */
	private void fill(Object key, @Nullable String canonical, Object storeValue, long tick) {
		Object stripeKey = stripeKey(key, canonical);
		LoadsInFlight.Load load = this.loadsInFlight.begin(tick);
		try {
			boolean[] installed = new boolean[1];
			boolean[] hadValue = new boolean[1];
			// Checked and installed under the key's lock: a key invalidation (stamp, then remove) either comes
			// before the check and is seen, or after the install and removes the value. Caffeine counts the
			// compute as a load (success if it leaves a value, failure if not).
			this.store.asMap().compute(key, (k, current) -> {
				if (this.generations.movedSince(tick, stripeKey)) {
					hadValue[0] = current != null;
					return current;
				}
				installed[0] = true;
				return storeValue;
			});
			if (!installed[0]) {
				this.statistics.recordDiscardedCompute(hadValue[0]);
				return;
			}
			this.keys.written(key, canonical);
			discardIfInvalidatedSince(tick, key, canonical, storeValue);
		}
		finally {
			this.loadsInFlight.end(load);
		}
	}

	private void discardIfInvalidatedSince(long tick, Object key, @Nullable String canonical, Object storeValue) {
		if (this.generations.movedSince(tick, stripeKey(key, canonical))
				&& this.store.asMap().remove(key, storeValue)) {
			this.statistics.recordStaleLoadDiscarded();
		}
	}

	private static Object stripeKey(Object key, @Nullable String canonical) {
		return (canonical != null) ? canonical : key;
	}

	@Override
	public void evict(Object key) {
		evictIfPresent(key);
	}

	@Override
	public boolean evictIfPresent(Object key) {
		String canonical = this.keys.canonicalOrNull(key);
		boolean present = evictLocally(key, canonical);
		if (canonical != null) {
			this.publisher.publishInvalidation(getName(), List.of(canonical));
		}
		return present;
	}

	/**
	 * Evict a key on this instance only: the entry stored under it and every entry whose key has the same
	 * canonical form. Counted as a local invalidation.
	 * @param key the key, or its canonical form
	 * @return whether any entry was evicted
	 */
	public boolean evictLocally(Object key) {
		return evictLocally(key, this.keys.canonicalOrNull(key));
	}

	private boolean evictLocally(Object key, @Nullable String canonical) {
		this.statistics.recordLocalInvalidations(1);
		this.generations.invalidating(stripeKey(key, canonical));
		Object removed = this.store.asMap().remove(key);
		boolean present = removed != null && !isExpiredNull(removed);
		if (canonical != null) {
			present |= evictCanonical(canonical) > 0;
		}
		return present;
	}

	@Override
	public void clear() {
		invalidate();
	}

	@Override
	public boolean invalidate() {
		boolean notEmpty = clearLocally();
		this.publisher.publishClear(getName());
		return notEmpty;
	}

	/**
	 * Evict, on this instance only, every entry whose key has the given canonical form. For operators and code
	 * acting on this instance alone; counted as a local invalidation.
	 * @param canonicalKey the canonical key form
	 * @return how many entries were evicted
	 */
	public int evictCanonicalLocally(String canonicalKey) {
		this.statistics.recordLocalInvalidations(1);
		return evictCanonical(canonicalKey);
	}

	/**
	 * Apply an invalidation received from another instance: evict every entry whose key has one of the forms.
	 * @param canonicalKeys the canonical key forms
	 * @return how many entries were evicted
	 */
	public int applyRemoteInvalidation(Collection<String> canonicalKeys) {
		this.statistics.recordRemoteInvalidations(canonicalKeys.size());
		int evicted = 0;
		for (String canonicalKey : canonicalKeys) {
			evicted += evictCanonical(canonicalKey);
		}
		return evicted;
	}

	private int evictCanonical(String canonicalKey) {
		this.generations.invalidating(canonicalKey);
		int evicted = 0;
		for (Object candidate : this.keys.candidates(canonicalKey)) {
			if (this.store.asMap().remove(candidate) != null) {
				evicted++;
			}
		}
		return evicted;
	}

	/**
	 * Remove every entry on this instance only.
	 * @return whether the cache held any entry
	 */
	public boolean clearLocally() {
		this.statistics.recordClear();
		long tick = this.generations.clearing();
		boolean notEmpty = !this.store.asMap().isEmpty();
		this.store.invalidateAll();
		this.loadsInFlight.awaitStartedBefore(tick);
		return notEmpty;
	}

	/**
	 * Return the canonical form of a key as this cache would publish it.
	 * @param key the key
	 * @return the canonical form
	 * @throws UnsupportedCacheKeyException if the key has none
	 */
	public String canonicalKey(Object key) {
		String canonical = this.keys.canonicalOrNull(key);
		if (canonical == null) {
			throw new UnsupportedCacheKeyException(key.getClass());
		}
		return canonical;
	}

	private void wrote(Object key, @Nullable String canonical) {
		if (canonical == null) {
			return;
		}
		// The entity behind the key changed: entries for the same entity under another key type are stale too.
		for (Object candidate : this.keys.candidates(canonical)) {
			if (!candidate.equals(key)) {
				this.store.invalidate(candidate);
			}
		}
		this.statistics.recordLocalInvalidations(1);
		this.publisher.publishInvalidation(getName(), List.of(canonical));
	}

	/**
	 * Return what this cache did so far.
	 * @return the statistics
	 */
	public NearCacheStatistics getStatistics() {
		return this.statistics;
	}

	private void onRemoval(@Nullable Object key, @Nullable Object value, RemovalCause cause) {
		this.statistics.recordRemoval(cause);
		if (key != null && cause != RemovalCause.REPLACED) {
			this.keys.removed(key);
		}
	}

	private boolean contains(Object key) {
		return this.store.asMap().containsKey(key);
	}

	int pendingFillCount() {
		return this.pendingFills.size();
	}

}
