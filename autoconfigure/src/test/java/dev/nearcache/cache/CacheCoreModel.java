package dev.nearcache.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.cache.interceptor.SimpleKey;

/**
 * A production {@link NearCache} in front of a versioned source of truth, with the operations an application and
 * the invalidation channel perform on it, and an oracle for its central promise:
 * <blockquote>no value older than an invalidation applied before the fill completed is ever installed, or
 * returned to a read that began after that invalidation.</blockquote>
 * <p>
 * The source of truth holds one version per entity (a canonical key form). A write bumps the entity's version
 * and then invalidates, as a real write commits and then invalidates; once the invalidation has been applied the
 * model raises the entity's <em>floor</em> to that version. Every read records the floor when it begins, and
 * whatever it returns must be at least that version. After the run ({@link #verify}) no write is in flight, so
 * every cached value must be the entity's current version; and a last remote invalidation of every entity must
 * leave none of its keys cached (the reverse index must still find them).
 * <p>
 * Built for a model checker: no sleeps, no clocks, Caffeine's maintenance on the calling thread, violations
 * collected (never thrown on the thread that found them, whose exception the checker would not see) and reported
 * by {@link #verify} on the thread that joined the others. No AssertJ inside: the checker instruments it too.
 */
final class CacheCoreModel {

	/** A composite key; its canonical form is {@link #ENTITY}. */
	static final SimpleKey LONG_KEY = new SimpleKey(42L, "eu");

	/** Another composite key with the same canonical form as {@link #LONG_KEY}. */
	static final SimpleKey INT_KEY = new SimpleKey(42, "eu");

	/** The canonical form of {@link #LONG_KEY} and {@link #INT_KEY}: one entity. */
	static final String ENTITY = "[\"42\",\"eu\"]";

	/**
	 * A key of another entity (its own canonical form, with no reverse index) whose invalidations stamp the same
	 * stripe as those of {@link #ENTITY}.
	 */
	static final String STRING_KEY = CoreBindings.keySharingStripeWith(ENTITY);

	/** A key of a third entity whose invalidations stamp the same stripe as the other two. */
	static final String STRIPE_MATE = CoreBindings.keySharingStripeWith(ENTITY, STRING_KEY);

	/** Every key the model uses, in the order the model checking tests number them. */
	static final List<Object> KEYS = List.of(LONG_KEY, INT_KEY, STRING_KEY, STRIPE_MATE);

	private static final Executor SAME_THREAD = Runnable::run;

	private final NearCache cache;

	private final AtomicInteger broadcasts = new AtomicInteger();

	private final Entity composite = new Entity(ENTITY);

	private final Entity string = new Entity(STRING_KEY);

	private final Entity stripeMate = new Entity(STRIPE_MATE);

	private final List<String> violations = new ArrayList<>();

	private final List<PendingRead> pendingReads = new ArrayList<>();

	CacheCoreModel() {
		NearCacheSettings settings = new NearCacheSettings("products", Duration.ofMinutes(5), Duration.ofSeconds(30),
				CoreBindings.MAXIMUM_SIZE, false, true);
		this.cache = new NearCache(settings, new KeyCanonicalizer(), new CountingPublisher(this.broadcasts),
				SAME_THREAD);
	}

	NearCache cache() {
		return this.cache;
	}

	int broadcasts() {
		return this.broadcasts.get();
	}

	// ---- reads -------------------------------------------------------------------------------------------

	/** A {@code sync = false} {@code @Cacheable} read: frame, {@code get}, on a miss load and {@code put}. */
	void cacheableRead(Object key) {
		long floor = entityOf(key).floor();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			ValueWrapper hit = this.cache.get(key);
			if (hit != null) {
				checkRead("@Cacheable get(" + key + ") hit", hit.get(), floor);
				return;
			}
			this.cache.put(key, load(key));
		}
		finally {
			CoreBindings.leaveRead(frames, level);
		}
	}

	/** A read that fills through {@code putIfAbsent} (a hand-written or JSR-107 style fill inside a read). */
	void cacheableReadPutIfAbsent(Object key) {
		long floor = entityOf(key).floor();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		try {
			ValueWrapper hit = this.cache.get(key);
			if (hit != null) {
				checkRead("putIfAbsent-fill get(" + key + ") hit", hit.get(), floor);
				return;
			}
			ValueWrapper existing = this.cache.putIfAbsent(key, load(key));
			if (existing != null) {
				checkRead("putIfAbsent(" + key + ") existing", existing.get(), floor);
			}
		}
		finally {
			CoreBindings.leaveRead(frames, level);
		}
	}

	/** An asynchronous {@code @Cacheable} read, begun and completed on this thread (see {@link AsyncRead}). */
	void asyncCacheableRead(Object key) {
		AsyncRead read = beginAsyncRead(key);
		if (read != null) {
			read.complete();
		}
	}

	/**
	 * Begin an asynchronous {@code @Cacheable} read: frame, {@code retrieve(key)}; on a miss the frame is left (the
	 * method returned its future) and the source is read.
	 * @return the read to complete, or {@code null} on a hit
	 */
	@Nullable AsyncRead beginAsyncRead(Object key) {
		long floor = entityOf(key).floor();
		FillScope.Frames frames = FillScope.frames();
		int level = frames.enter();
		CompletableFuture<?> hit;
		try {
			hit = this.cache.retrieve(key);
		}
		catch (RuntimeException ex) {
			CoreBindings.leaveRead(frames, level);
			throw ex;
		}
		if (hit != null) {
			CoreBindings.leaveRead(frames, level);
			checkRead("async @Cacheable retrieve(" + key + ") hit", hit.getNow(null), floor);
			return null;
		}
		// The method returned its (incomplete) future: the read's frame is left, its scope stays open.
		FillScope scope = CoreBindings.leaveAsyncRead(frames, level);
		return new AsyncRead(key, scope, load(key));
	}

	/** {@code get(key, Callable)}: a {@code sync = true} {@code @Cacheable} read. */
	void loadingGet(Object key) {
		long floor = entityOf(key).floor();
		Object value = this.cache.get(key, () -> load(key));
		checkRead("get(" + key + ", Callable)", value, floor);
	}

	/**
	 * {@code retrieve(key, Supplier)}: a {@code sync = true} asynchronous read. If this call started the load, the
	 * source is read and the load completed on this thread after {@code retrieve} returned (the load is in flight
	 * meanwhile); what the read returns is checked at {@link #verify}.
	 */
	void loadingRetrieve(Object key) {
		long floor = entityOf(key).floor();
		CompletableFuture<Object> started = new CompletableFuture<>();
		boolean[] loads = new boolean[1];
		CompletableFuture<Object> result = this.cache.retrieve(key, () -> {
			loads[0] = true;
			return started;
		});
		if (loads[0]) {
			started.complete(load(key));
		}
		synchronized (this.pendingReads) {
			this.pendingReads.add(new PendingRead("retrieve(" + key + ", Supplier)", result, floor));
		}
	}

	/** A plain {@code get(key)} outside any read (a hit or a miss, nothing loaded). */
	void plainGet(Object key) {
		long floor = entityOf(key).floor();
		ValueWrapper hit = this.cache.get(key);
		if (hit != null) {
			checkRead("get(" + key + ")", hit.get(), floor);
		}
	}

	// ---- writes ------------------------------------------------------------------------------------------

	/** {@code @CachePut}: the write commits, then its value is put (a write: broadcast). */
	void writeThroughPut(Object key) {
		Entity entity = entityOf(key);
		synchronized (entity) {
			long version = entity.write();
			this.cache.put(key, new Loaded(entity.form, version));
			entity.applied(version);
		}
	}

	/** {@code @CacheEvict}: the write commits, then the key is evicted here (and published). */
	void writeThenEvict(Object key) {
		Entity entity = entityOf(key);
		synchronized (entity) {
			long version = entity.write();
			this.cache.evict(key);
			entity.applied(version);
		}
	}

	/** Another instance writes the entity; its invalidation is applied here as {@code InvalidationApplier} does. */
	void writeThenRemoteInvalidation(Object key) {
		Entity entity = entityOf(key);
		synchronized (entity) {
			long version = entity.write();
			this.cache.applyRemoteInvalidation(List.of(entity.form));
			entity.applied(version);
		}
	}

	/** Every entity is written and the cache cleared (a clear message, or a degraded-mode flush). */
	void writeAllThenClear() {
		synchronized (this.composite) {
			synchronized (this.string) {
				synchronized (this.stripeMate) {
					long composite = this.composite.write();
					long string = this.string.write();
					long mate = this.stripeMate.write();
					this.cache.clearLocally();
					this.composite.applied(composite);
					this.string.applied(string);
					this.stripeMate.applied(mate);
				}
			}
		}
	}

	// ---- oracle ------------------------------------------------------------------------------------------

	/**
	 * Check the promise once every thread has finished: what each asynchronous read returned, that every cached
	 * value is current, and that a remote invalidation still reaches every cached key.
	 * @throws AssertionError listing every violation
	 */
	void verify() {
		for (PendingRead read : this.pendingReads) {
			if (!read.result.isDone()) {
				this.violations.add(read.what + " never completed");
			}
			else {
				checkRead(read.what, read.result.getNow(null), read.floor);
			}
		}
		for (Object key : KEYS) {
			ValueWrapper cached = this.cache.get(key);
			if (cached != null && cached.get() instanceof Loaded loaded && loaded.version != entityOf(key).version()) {
				this.violations.add("stale value installed: " + key + " holds version " + loaded.version
						+ " of " + loaded.entity + " after every write's invalidation was applied; current version "
						+ entityOf(key).version());
			}
		}
		writeThenRemoteInvalidation(LONG_KEY);
		writeThenRemoteInvalidation(STRING_KEY);
		writeThenRemoteInvalidation(STRIPE_MATE);
		for (Object key : KEYS) {
			ValueWrapper cached = this.cache.get(key);
			if (cached != null) {
				this.violations.add("remote invalidation of " + entityOf(key).form + " missed key " + key
						+ " (still cached: " + cached.get() + ")");
			}
		}
		if (!this.violations.isEmpty()) {
			throw new AssertionError(String.join("; ", this.violations) + " [broadcasts: " + broadcasts() + "]");
		}
	}

	private void checkRead(String what, @Nullable Object value, long floor) {
		if (value instanceof Loaded loaded && loaded.version < floor) {
			synchronized (this.violations) {
				this.violations.add(what + " began after the invalidation of version " + floor + " of "
						+ loaded.entity + " was applied, and returned the older version " + loaded.version);
			}
		}
	}

	private Loaded load(Object key) {
		Entity entity = entityOf(key);
		return new Loaded(entity.form, entity.version());
	}

	private Entity entityOf(Object key) {
		if (STRING_KEY.equals(key)) {
			return this.string;
		}
		return STRIPE_MATE.equals(key) ? this.stripeMate : this.composite;
	}

	/**
	 * An asynchronous read between its miss and the completion of its future: {@link #complete} performs the put
	 * the way the core under test expects it from the completing thread ({@link CoreBindings}).
	 */
	final class AsyncRead {

		private final Object key;

		private final @Nullable FillScope scope;

		private final Loaded loaded;

		private AsyncRead(Object key, @Nullable FillScope scope, Loaded loaded) {
			this.key = key;
			this.scope = scope;
			this.loaded = loaded;
		}

		void complete() {
			CoreBindings.completeAsyncFill(CacheCoreModel.this.cache, this.scope, this.key, this.loaded);
		}

	}

	/** What a load returns: a version of one entity. */
	record Loaded(String entity, long version) {

		@Override
		public String toString() {
			return this.entity + "@v" + this.version;
		}

	}

	private record PendingRead(String what, CompletableFuture<Object> result, long floor) {
	}

	/** One entity of the source of truth; its monitor serialises its writers, as a database row lock would. */
	private static final class Entity {

		private final String form;

		private volatile long version;

		private volatile long floor;

		Entity(String form) {
			this.form = form;
		}

		long version() {
			return this.version;
		}

		long floor() {
			return this.floor;
		}

		/** Commit a write (called holding this entity's monitor). */
		long write() {
			return ++this.version;
		}

		/** The invalidation of {@code version} was applied (called holding this entity's monitor). */
		void applied(long version) {
			this.floor = version;
		}

	}

	private static final class CountingPublisher implements InvalidationPublisher {

		private final AtomicInteger published;

		CountingPublisher(AtomicInteger published) {
			this.published = published;
		}

		@Override
		public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
			this.published.incrementAndGet();
		}

		@Override
		public void publishClear(@Nullable String cacheName) {
			this.published.incrementAndGet();
		}

	}

}
