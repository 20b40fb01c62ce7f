package dev.nearcache.cache;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.RemovalListener;
import com.github.benmanes.caffeine.cache.Ticker;
import com.github.benmanes.caffeine.cache.Weigher;
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
 * No value older than an invalidation is installed once that invalidation was applied, and no read that starts
 * after it returns the old value ({@link InvalidationStamps}). Loads never run inside Caffeine: a key's
 * {@code get(key, Callable)} and {@code retrieve(key, Supplier)} loads are shared through a map of their own, so
 * that applying an invalidation never waits for an application load.
 * <p>
 * A hit is a Caffeine {@code getIfPresent} on a store bounded by size only, then one comparison of the entry's
 * write time with the TTL on a coarse clock ({@link CoarseClock}): key canonicalisation and bookkeeping happen
 * only where keys are written or evicted. The cache measures the TTL itself rather than configuring Caffeine's
 * expiry, which would make every hit read {@code nanoTime} and record the read in Caffeine's read buffer (an
 * atomic operation) even while the cache is far from full. Values are stored as their own {@link ValueWrapper}
 * ({@link CachedValue}, with their write time), so that a {@code get(key)} hit allocates nothing; cached nulls
 * carry their own deadline ({@link ExpiringNull}). An expired entry is never served: a read finds it expired
 * and removes it, and a sweep on the maintenance executor, started by writes at most every few seconds, removes
 * those nobody reads, counted as expiry evictions. The native Caffeine cache therefore holds those entries,
 * not the bare values.
 */
public final class NearCache extends AbstractValueAdaptingCache {

	/** What a hit on a cached null that never expires before the values returns; immutable, so shared. */
	private static final ValueWrapper NULL_HIT = new SimpleValueWrapper(null);

	private final NearCacheSettings settings;

	private final Cache<Object, Object> store;

	private final NearCacheStatsCounter counter = new NearCacheStatsCounter();

	private final CacheKeys keys;

	private final InvalidationStamps stamps;

	/** The {@code get(key, Callable)} and {@code retrieve(key, Supplier)} loads in flight, one per key. */
	private final ConcurrentHashMap<Object, Load> loads = new ConcurrentHashMap<>();

	private final InvalidationPublisher publisher;

	private final NearCacheStatistics statistics = new NearCacheStatistics(this);

	/** The TTL cap while degraded ({@code null} when not); read only where entries are written. */
	private volatile @Nullable Duration degradedTtl;

	/** The degraded mode this cache runs in ({@code null} when not degraded); for the actuator. */
	private volatile @Nullable DegradedMode degradedMode;

	/** The TTL of values now: the configured one, or the degraded TTL while degraded to a shorter one. */
	private volatile long ttlNanos;

	/** Where expired entries are swept, Caffeine's maintenance executor. */
	private final Executor maintenance;

	/** How often at most expired entries are swept. */
	private final long sweepIntervalNanos;

	/** When the next sweep may start, on {@link #ticker}. */
	private final AtomicLong nextSweep = new AtomicLong();

	/** The application's removal listener, called after nearcache's own bookkeeping. */
	private final @Nullable RemovalListener<Object, Object> userRemovalListener;

	/** The eviction maximum outside degraded mode: maximum size, or maximum weight with a weigher. */
	private final long maximum;

	/** The time TTLs are measured on: values' write times, cached nulls' deadlines ({@link CoarseClock}). */
	private final Ticker ticker;

	/**
	 * Create a near cache.
	 * @param settings its settings
	 * @param canonicalizer the canonical key forms
	 * @param publisher where local invalidations are sent
	 */
	public NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher) {
		this(settings, canonicalizer, publisher, new CaffeineOptions());
	}

	/**
	 * Create a near cache whose Caffeine store the application shaped further.
	 * @param settings its settings
	 * @param canonicalizer the canonical key forms
	 * @param publisher where local invalidations are sent
	 * @param options what the application's {@link NearCacheCaffeineCustomizer customizers} set
	 */
	public NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher,
			CaffeineOptions options) {
		this(settings, canonicalizer, publisher, options, null, null);
	}

	/**
	 * Create a near cache whose Caffeine maintenance runs on the given executor (a model checker runs it on the
	 * calling thread).
	 */
	NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher,
			Executor maintenance) {
		this(settings, canonicalizer, publisher, new CaffeineOptions(), maintenance, null);
	}

	/** Create a near cache that measures expiry on the given ticker (tests drive time with it). */
	NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher,
			Ticker ticker) {
		this(settings, canonicalizer, publisher, new CaffeineOptions(), null, ticker);
	}

	private NearCache(NearCacheSettings settings, KeyCanonicalizer canonicalizer, InvalidationPublisher publisher,
			CaffeineOptions options, @Nullable Executor maintenance, @Nullable Ticker ticker) {
		super(settings.allowNullValues());
		this.settings = settings;
		this.keys = new CacheKeys(canonicalizer, settings.broadcast());
		this.stamps = new InvalidationStamps(settings.maximumSize());
		this.publisher = settings.broadcast() ? publisher : InvalidationPublisher.NONE;
		this.ttlNanos = settings.ttl().toNanos();
		this.sweepIntervalNanos = sweepInterval(shortestTtl(settings)).toNanos();
		this.userRemovalListener = options.removalListener();
		this.maximum = (options.weigher() != null) ? options.maximumWeight() : settings.maximumSize();
		this.ticker = (ticker != null) ? ticker
				: (maintenance != null) ? Ticker.systemTicker() : CoarseClock.tickerFor(shortestTtl(settings));
		Executor executor = options.executor();
		this.maintenance = (maintenance != null) ? maintenance
				: (executor != null) ? CacheMaintenance.executor(executor) : CacheMaintenance.EXECUTOR;
		this.nextSweep.set(this.ticker.read() + this.sweepIntervalNanos);
		this.store = buildStore(settings, options);
		if (maintenance == null) {
			// Timed sweeps, and the clock kept running; not for a model checker's cache, whose steps it controls.
			CoarseClock.register(this);
		}
	}

	/** Sweeps run at most every half of the shortest TTL, between 1 and 60 seconds apart. */
	private static Duration sweepInterval(Duration shortestTtl) {
		Duration half = shortestTtl.dividedBy(2);
		return (half.compareTo(Duration.ofSeconds(1)) < 0) ? Duration.ofSeconds(1)
				: (half.compareTo(Duration.ofSeconds(60)) > 0) ? Duration.ofSeconds(60) : half;
	}

	private Cache<Object, Object> buildStore(NearCacheSettings settings, CaffeineOptions options) {
		Caffeine<Object, Object> builder = Caffeine.newBuilder()
			.recordStats(() -> this.counter)
			.executor(this.maintenance)
			.evictionListener(this::onEviction);
		if (this.userRemovalListener != null) {
			// The application's listener hears every removal, as Caffeine tells it (after the fact, on the executor).
			builder.removalListener(this::onRemoval);
		}
		Weigher<Object, Object> weigher = options.weigher();
		if (weigher != null) {
			builder.maximumWeight(options.maximumWeight())
				.weigher((Object key, Object value) -> (value instanceof CachedValue cached)
						? weigher.weigh(key, cached.get()) : 1);
		}
		else {
			builder.maximumSize(settings.maximumSize());
		}
		if (options.initialCapacity() >= 0) {
			builder.initialCapacity(options.initialCapacity());
		}
		return builder.build();
	}

	private static Duration shortestTtl(NearCacheSettings settings) {
		return (settings.allowNullValues() && settings.nullTtl().compareTo(settings.ttl()) < 0) ? settings.nullTtl()
				: settings.ttl();
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
			this.ttlNanos = capped(this.settings.ttl()).toNanos();
		}
		clearLocally();
	}

	/** Leave the degraded mode: normal TTL and size again (the caller clears what was cached meanwhile). */
	public void restore() {
		this.degradedMode = null;
		this.degradedTtl = null;
		this.store.policy().eviction().ifPresent((eviction) -> eviction.setMaximum(this.maximum));
		this.ttlNanos = this.settings.ttl().toNanos();
	}

	@Override
	protected Object toStoreValue(@Nullable Object userValue) {
		long now = this.ticker.read();
		if (userValue != null && !(userValue == NullValue.INSTANCE && isAllowNullValues())) {
			return new CachedValue(userValue, now);
		}
		if (isAllowNullValues()) {
			return new ExpiringNull(now, now + capped(this.settings.nullTtl()).toNanos());
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
	 * Read an entry as a hit would: an entry past its TTL (or a null past its null TTL) is a miss (Caffeine counted
	 * it as a hit, corrected in the statistics) and is removed.
	 */
	private @Nullable Object read(Object key) {
		Object value = this.store.getIfPresent(key);
		return (value == null || expiredOnRead(key, value)) ? null : value;
	}

	private boolean expiredOnRead(Object key, Object value) {
		if (isExpired(value, this.ticker.read())) {
			this.statistics.recordExpiredRead();
			removeExpired(key, value);
			return true;
		}
		return false;
	}

	/** Whether an entry is past its TTL: a value's is the cache's current TTL, a cached null's its own deadline. */
	private boolean isExpired(Object storeValue, long now) {
		if (storeValue instanceof CachedValue cached) {
			return now - cached.written >= this.ttlNanos;
		}
		return storeValue instanceof ExpiringNull cachedNull && cachedNull.hasExpired(now);
	}

	private boolean isLive(@Nullable Object storeValue) {
		return storeValue != null && !isExpired(storeValue, this.ticker.read());
	}

	/** Remove this very expired entry, unless another took its place meanwhile; counted as an expiry eviction. */
	private void removeExpired(Object key, Object expired) {
		String canonical = this.keys.canonicalOrNull(key);
		boolean indexed = this.keys.indexed(key, canonical);
		boolean[] removed = new boolean[1];
		this.store.asMap().computeIfPresent(key, (k, current) -> {
			if (current != expired) {
				return current;
			}
			removed[0] = true;
			if (indexed) {
				this.keys.remove(k, canonical);
			}
			return null;
		});
		if (removed[0]) {
			this.statistics.recordExpiredRemoved();
		}
	}

	/**
	 * Start a sweep of expired entries if one is due: called where entries are written (never on a hit) and
	 * every second by the clock's thread.
	 */
	void sweepIfDue() {
		long due = this.nextSweep.get();
		long now = this.ticker.read();
		if (now - due >= 0 && this.nextSweep.compareAndSet(due, now + this.sweepIntervalNanos)) {
			this.maintenance.execute(this::sweepExpired);
		}
	}

	/** Remove every entry past its TTL: memory is freed and expiry counted even for entries nobody reads again. */
	void sweepExpired() {
		long now = this.ticker.read();
		this.store.asMap().forEach((key, value) -> {
			if (isExpired(value, now)) {
				removeExpired(key, value);
			}
		});
	}

	/**
	 * Return the entry cached under a key now, for the stale-read audit: no statistics are recorded, and a cached
	 * null past its null TTL counts as absent (it is no longer served).
	 * @param key the key
	 * @return the entry with the key's stamp, or {@code null} when nothing live is cached under the key
	 */
	public @Nullable AuditedEntry auditedEntry(Object key) {
		Object stored = this.store.asMap().get(key);
		if (!isLive(stored)) {
			return null;
		}
		Object stripeKey = stripeKey(key, this.keys.canonicalOrNull(key));
		return new AuditedEntry(key, stored, fromStoreValue(stored), stripeKey, this.stamps.stamp(stripeKey));
	}

	/**
	 * Return whether an audited entry is still the one cached under its key, its key was not invalidated and the
	 * cache not cleared since it was audited, and the cache is not degraded: then no invalidation that this
	 * instance received explains a difference from the source of truth.
	 * @param entry the entry from {@link #auditedEntry(Object)}
	 * @return whether nothing changed the entry since
	 */
	public boolean unchangedSince(AuditedEntry entry) {
		Object stored = this.store.asMap().get(entry.key());
		return this.degradedMode == null && stored == entry.stored() && isLive(stored)
				&& !this.stamps.movedSince(entry.stripeKey, entry.stamp);
	}

	/**
	 * Return how long ago the value under a key was written, where Caffeine knows it.
	 * @param key the key
	 * @return the age, or {@code null} when the key holds nothing or its age is unknown
	 */
	public @Nullable Duration ageOf(Object key) {
		Object stored = this.store.asMap().get(key);
		long written = (stored instanceof CachedValue cached) ? cached.written
				: (stored instanceof ExpiringNull cachedNull) ? cachedNull.writtenNanos() : Long.MIN_VALUE;
		return (written != Long.MIN_VALUE) ? Duration.ofNanos(Math.max(0, this.ticker.read() - written)) : null;
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

	/** @return the time its expiry is measured on */
	Ticker ticker() {
		return this.ticker;
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
		if (value instanceof CachedValue cached && this.ticker.read() - cached.written < this.ttlNanos) {
			return cached;
		}
		return getOther(key, value);
	}

	/** A read that is not a live value: a miss, an expired entry, a cached null or a bare native value. */
	private @Nullable ValueWrapper getOther(Object key, @Nullable Object value) {
		if (value == null || expiredOnRead(key, value)) {
			missed(key);
			return null;
		}
		return hit(value);
	}

	/** A read missed: inside a {@code @Cacheable} read, remember the key's stamp for the put that fills it. */
	private void missed(Object key) {
		if (FillScope.inRead()) {
			FillScope.missed(this, key, this.stamps.stamp(stripeKey(key, this.keys.canonicalOrNull(key))));
		}
	}

	/**
	 * Load a missing value, sharing the load with concurrent callers of the same key. A caller joins a load in
	 * flight only if the key was not invalidated since that load started (it would return a value older than the
	 * invalidation to a read that began after it); otherwise it starts its own. The load runs outside Caffeine,
	 * so nothing that applies an invalidation waits for it.
	 */
	@Override
	@SuppressWarnings("unchecked")
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		Object value = read(key);
		if (value != null) {
			return (T) fromStoreValue(value);
		}
		FillScope.frames().loading();
		String canonical = this.keys.beforeWrite(key);
		Object stripeKey = stripeKey(key, canonical);
		while (true) {
			long stamp = this.stamps.stamp(stripeKey);
			Load running = this.loads.get(key);
			if (running != null && running.joinableAt(stamp)) {
				Object loaded = running.awaitValue();
				if (loaded != Load.FAILED) {
					return (T) fromStoreValue(loaded);
				}
				continue;
			}
			Load load = new Load(stamp, Thread.currentThread());
			if (!claim(key, running, load)) {
				continue;
			}
			Object result;
			try {
				Object present = this.store.asMap().get(key);
				result = isLive(present) ? present : loadAndInstall(key, canonical, stripeKey, stamp, valueLoader);
			}
			catch (Throwable ex) {
				this.loads.remove(key, load);
				load.fail(ex);
				throw ex;
			}
			this.loads.remove(key, load);
			load.complete(result);
			return (T) fromStoreValue(result);
		}
	}

	private boolean claim(Object key, @Nullable Load running, Load load) {
		return (running != null) ? this.loads.replace(key, running, load) : this.loads.putIfAbsent(key, load) == null;
	}

	private Object loadAndInstall(Object key, @Nullable String canonical, Object stripeKey, long stamp,
			Callable<?> valueLoader) {
		long start = System.nanoTime();
		Object storeValue;
		try {
			storeValue = toStoreValue(valueLoader.call());
		}
		catch (Exception ex) {
			this.counter.loadFailed(System.nanoTime() - start);
			throw new ValueRetrievalException(key, valueLoader, ex);
		}
		catch (Error ex) {
			this.counter.loadFailed(System.nanoTime() - start);
			throw ex;
		}
		// A load that ran is a load, whether or not its value is installed (Spring's caches count it the same way).
		this.counter.loaded(System.nanoTime() - start);
		install(key, canonical, stripeKey, storeValue, stamp, false);
		return storeValue;
	}

	@Override
	public @Nullable CompletableFuture<?> retrieve(Object key) {
		Object value = read(key);
		if (value == null) {
			missed(key);
			return null;
		}
		return CompletableFuture.completedFuture(isAllowNullValues() ? toValueWrapper(value) : fromStoreValue(value));
	}

	/**
	 * Load a missing value asynchronously, sharing the load with concurrent callers of the same key under the
	 * same rule as {@link #get(Object, Callable)}. A supplier that throws, or returns no future, throws here, as
	 * with Spring's caches; callers that joined its load see it fail.
	 */
	@Override
	@SuppressWarnings("unchecked")
	public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
		Object value = read(key);
		if (value != null) {
			return CompletableFuture.completedFuture((T) fromStoreValue(value));
		}
		FillScope.frames().loading();
		String canonical = this.keys.beforeWrite(key);
		Object stripeKey = stripeKey(key, canonical);
		while (true) {
			long stamp = this.stamps.stamp(stripeKey);
			Load running = this.loads.get(key);
			if (running != null && running.joinableAt(stamp)) {
				return running.userValue(this);
			}
			Load load = new Load(stamp, Thread.currentThread());
			if (claim(key, running, load)) {
				startAsyncLoad(key, canonical, stripeKey, load, valueLoader);
				return load.userValue(this);
			}
		}
	}

	private <T> void startAsyncLoad(Object key, @Nullable String canonical, Object stripeKey, Load load,
			Supplier<CompletableFuture<T>> valueLoader) {
		long start = System.nanoTime();
		CompletableFuture<T> loading;
		try {
			loading = valueLoader.get();
			if (loading == null) {
				throw new IllegalStateException("The value loader of key '" + key + "' in cache '" + getName()
						+ "' returned null instead of a CompletableFuture");
			}
		}
		catch (Throwable ex) {
			// Nothing will complete this load: fail it for the callers that joined it, and let the next one load.
			// The caller gets the exception itself, as from Spring's caches: Spring's cache interceptor unwraps it
			// there, but takes a failed future for a cache error and hands on its own wrapper of the exception.
			this.counter.loadFailed(System.nanoTime() - start);
			this.loads.remove(key, load);
			load.fail(ex);
			if (ex instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (ex instanceof Error error) {
				throw error;
			}
			return;
		}
		finally {
			load.supplied();
		}
		loading.whenComplete((loaded, failure) -> {
			Object storeValue = null;
			try {
				if (failure != null) {
					this.counter.loadFailed(System.nanoTime() - start);
				}
				else if (loaded != null || isAllowNullValues()) {
					storeValue = toStoreValue(loaded);
					this.counter.loaded(System.nanoTime() - start);
					install(key, canonical, stripeKey, storeValue, load.stamp, false);
				}
			}
			finally {
				this.loads.remove(key, load);
				if (failure != null) {
					load.fail(failure);
				}
				else {
					load.complete(storeValue);
				}
			}
		});
	}

	@Override
	public void put(Object key, @Nullable Object value) {
		String canonical = this.keys.beforeWrite(key);
		Object storeValue = toStoreValue(value);
		long stamp = FillScope.consume(this, key);
		if (stamp != FillScope.NOT_A_FILL) {
			if (install(key, canonical, stripeKey(key, canonical), storeValue, stamp, false) == null) {
				this.counter.loaded(0);
			}
			return;
		}
		write(key, canonical, storeValue, false);
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		String canonical = this.keys.beforeWrite(key);
		Object storeValue = toStoreValue(value);
		long stamp = FillScope.consume(this, key);
		Object existing = (stamp != FillScope.NOT_A_FILL)
				? fillIfAbsent(key, canonical, storeValue, stamp)
				: write(key, canonical, storeValue, true);
		return (existing != null) ? toValueWrapper(existing) : null;
	}

	/**
	 * Install a value loaded after a miss, unless the key was invalidated since the miss: then the value may
	 * predate the change that caused the invalidation, and is discarded (the caller still gets it). The check
	 * and the install are one Caffeine compute, under the shared install lock (see {@link InvalidationStamps}).
	 * @return for {@code ifAbsent}, the live entry that was kept instead; otherwise {@code null}
	 */
	private @Nullable Object fillIfAbsent(Object key, @Nullable String canonical, Object storeValue, long stamp) {
		Object existing = install(key, canonical, stripeKey(key, canonical), storeValue, stamp, true);
		if (existing == null) {
			this.counter.loaded(0);
		}
		return existing;
	}

	private @Nullable Object install(Object key, @Nullable String canonical, Object stripeKey, Object storeValue,
			long stamp, boolean ifAbsent) {
		if (this.degradedMode == DegradedMode.BYPASS) {
			// Nothing is cached while bypassing; a maximum of 0 alone would keep entries an application weigher
			// weighs 0.
			return null;
		}
		boolean indexed = this.keys.indexed(key, canonical);
		Object[] existing = new Object[1];
		Object[] replaced = new Object[1];
		boolean[] installed = new boolean[1];
		Lock lock = this.stamps.installing();
		lock.lock();
		try {
			this.store.asMap().compute(key, (k, current) -> {
				if (ifAbsent && isLive(current)) {
					existing[0] = current;
					return current;
				}
				if (indexed) {
					this.keys.add(k, canonical);
				}
				if (this.stamps.movedSince(stripeKey, stamp)) {
					if (indexed && current == null) {
						this.keys.remove(k, canonical);
					}
					return current;
				}
				installed[0] = true;
				replaced[0] = current;
				return storeValue;
			});
		}
		finally {
			lock.unlock();
		}
		if (installed[0]) {
			countExpiredReplaced(replaced[0]);
			sweepIfDue();
		}
		else if (existing[0] == null) {
			this.statistics.recordStaleLoadDiscarded();
		}
		return existing[0];
	}

	/**
	 * A write: loads that started before it must not overwrite it with what they read, so it moves the key's
	 * stamp before storing; then the other local keys of the same canonical form are evicted and the
	 * invalidation is published.
	 * @return for {@code ifAbsent}, the live entry that was kept instead (nothing written); otherwise {@code null}
	 */
	private @Nullable Object write(Object key, @Nullable String canonical, Object storeValue, boolean ifAbsent) {
		boolean indexed = this.keys.indexed(key, canonical);
		this.stamps.invalidating(stripeKey(key, canonical));
		Object[] existing = new Object[1];
		Object[] replaced = new Object[1];
		boolean bypassing = this.degradedMode == DegradedMode.BYPASS;
		this.store.asMap().compute(key, (k, current) -> {
			if (ifAbsent && isLive(current)) {
				existing[0] = current;
				return current;
			}
			if (bypassing) {
				if (indexed) {
					this.keys.remove(k, canonical);
				}
				return null;
			}
			if (indexed) {
				this.keys.add(k, canonical);
			}
			replaced[0] = current;
			return storeValue;
		});
		if (existing[0] != null) {
			return existing[0];
		}
		countExpiredReplaced(replaced[0]);
		sweepIfDue();
		wrote(key, canonical);
		return null;
	}

	/** An entry past its TTL that a write or fill replaced: it expired, as far as anyone can tell. */
	private void countExpiredReplaced(@Nullable Object replaced) {
		if (replaced != null && !isLive(replaced)) {
			this.statistics.recordExpiredRemoved();
		}
	}

	private static Object stripeKey(Object key, @Nullable String canonical) {
		return (canonical != null) ? canonical : key;
	}

	/**
	 * Remove one entry, waiting for a compute in progress on its key, and drop it from the reverse index.
	 * @return whether a live entry was removed
	 */
	private boolean removeEntry(Object key, @Nullable String canonical) {
		if (!this.keys.indexed(key, canonical)) {
			return isLive(this.store.asMap().remove(key));
		}
		Object[] removed = new Object[1];
		this.store.asMap().compute(key, (k, current) -> {
			removed[0] = current;
			this.keys.remove(k, canonical);
			return null;
		});
		return isLive(removed[0]);
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
		if (canonical == null) {
			this.stamps.invalidating(key);
			return removeEntry(key, null);
		}
		boolean present = evictCanonical(canonical) > 0;
		// A key whose form cannot be parsed back and that is not indexed (a local cache's unsupported element).
		present |= removeEntry(key, canonical);
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
	 * Waits for no application load: only for an install in progress on one of the keys (microseconds).
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

	/** Move the form's stamp, then remove every entry the cache may hold under it. */
	private int evictCanonical(String canonicalKey) {
		this.stamps.invalidating(canonicalKey);
		int evicted = 0;
		for (Object candidate : this.keys.candidates(canonicalKey)) {
			if (removeEntry(candidate, canonicalKey)) {
				evicted++;
			}
		}
		return evicted;
	}

	/**
	 * Remove every entry on this instance only. Waits for no application load: only for installs in progress.
	 * @return whether the cache held any entry
	 */
	public boolean clearLocally() {
		this.statistics.recordClear();
		this.stamps.clearing();
		boolean notEmpty = false;
		for (Object key : this.store.asMap().keySet()) {
			notEmpty |= removeEntry(key, this.keys.canonicalOrNull(key));
		}
		if (notEmpty) {
			this.statistics.recordEmptyingClear();
		}
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
				removeEntry(candidate, canonical);
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

	/** Caffeine evicted an entry (size, expiry): called under the key's lock, so the index stays exact. */
	private void onEviction(@Nullable Object key, @Nullable Object value, RemovalCause cause) {
		this.statistics.recordRemoval(cause);
		if (key != null) {
			this.keys.evicted(key);
		}
	}

	/**
	 * Every removal, for the application's own listener: the bare value, as the application stored it. The cache
	 * removes expired entries itself, which Caffeine reports as explicit removals: those are reported as expired.
	 */
	private void onRemoval(@Nullable Object key, @Nullable Object value, RemovalCause cause) {
		RemovalListener<Object, Object> listener = this.userRemovalListener;
		if (listener != null) {
			RemovalCause reported = (cause == RemovalCause.EXPLICIT && value != null
					&& isExpired(value, this.ticker.read())) ? RemovalCause.EXPIRED : cause;
			listener.onRemoval(key, (value instanceof CachedValue cached) ? cached.get() : null, reported);
		}
	}

	int loadsInFlight() {
		return this.loads.size();
	}

	/**
	 * One {@code get(key, Callable)} or {@code retrieve(key, Supplier)} load in flight, shared with the callers
	 * that may join it.
	 */
	private static final class Load {

		/** What {@link #awaitValue} returns for a load that failed: the waiting caller loads itself. */
		static final Object FAILED = new Object();

		final long stamp;

		/** The thread running the load's code: the loader, or an asynchronous load's supplier until it returns. */
		private volatile @Nullable Thread thread;

		private final CompletableFuture<@Nullable Object> result = new CompletableFuture<>();

		Load(long stamp, @Nullable Thread thread) {
			this.stamp = stamp;
			this.thread = thread;
		}

		/**
		 * A caller that took {@code stamp} may join: the key was not invalidated since this load started, and
		 * the load is not the caller's own (a loader or supplier reading its own key loads again instead of waiting
		 * on itself).
		 */
		boolean joinableAt(long stamp) {
			return this.stamp == stamp && this.thread != Thread.currentThread();
		}

		/** An asynchronous load's supplier returned: from now on, its thread may join it like any other. */
		void supplied() {
			this.thread = null;
		}

		void complete(@Nullable Object storeValue) {
			this.result.complete(storeValue);
		}

		void fail(Throwable failure) {
			this.result.completeExceptionally(failure);
		}

		/** Wait for the store value; {@link #FAILED} if the load failed. */
		@Nullable Object awaitValue() {
			try {
				return this.result.join();
			}
			catch (CompletionException | CancellationException ex) {
				return FAILED;
			}
		}

		@SuppressWarnings("unchecked")
		<T> CompletableFuture<T> userValue(NearCache cache) {
			return this.result.thenApply((storeValue) -> (T) cache.fromStoreValue(storeValue));
		}

	}

}
