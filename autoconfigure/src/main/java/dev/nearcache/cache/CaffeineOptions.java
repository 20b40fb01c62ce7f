package dev.nearcache.cache;

import java.time.Duration;
import java.util.concurrent.Executor;

import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalListener;
import com.github.benmanes.caffeine.cache.Weigher;
import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * What a {@link NearCacheCaffeineCustomizer} may set on the Caffeine cache behind a near cache. Each setting
 * replaces an earlier one of the same kind; values and keys given to the application's weigher and removal
 * listener are the application's own (a cached {@code null} is given as {@code null}), not nearcache's wrappers.
 * <p>
 * Expiry is not among them: nearcache expires every entry a fixed time after it was written (the TTL, the bound
 * on staleness when an invalidation is lost), measures that time itself, and caps it while invalidations may be
 * missed. Access expiry or a variable {@link Expiry} would let an entry outlive the TTL, and any Caffeine expiry
 * would cost every hit ({@code docs/design.md}); {@link #expireAfterAccess} and {@link #expireAfter} exist only to
 * say so at startup.
 */
public final class CaffeineOptions {

	private int initialCapacity = -1;

	private @Nullable Weigher<Object, Object> weigher;

	private long maximumWeight = -1;

	private @Nullable Executor executor;

	private @Nullable RemovalListener<Object, Object> removalListener;

	/**
	 * Set how many entries the cache is sized for up front.
	 * @param initialCapacity the initial capacity, not negative
	 * @return these options
	 */
	public CaffeineOptions initialCapacity(int initialCapacity) {
		Assert.isTrue(initialCapacity >= 0, "initialCapacity must not be negative");
		this.initialCapacity = initialCapacity;
		return this;
	}

	/**
	 * Bound the cache by total weight instead of by entry count: {@code maximum-size} is then not used (it is
	 * still reported in the settings). A cached {@code null} weighs 1 without calling the weigher.
	 * @param weigher the weight of one entry, from its key and value
	 * @param maximumWeight the maximum total weight, not negative
	 * @return these options
	 */
	@SuppressWarnings("unchecked")
	public CaffeineOptions weigher(Weigher<?, ?> weigher, long maximumWeight) {
		Assert.notNull(weigher, "weigher must not be null");
		Assert.isTrue(maximumWeight >= 0, "maximumWeight must not be negative");
		this.weigher = (Weigher<Object, Object>) weigher;
		this.maximumWeight = maximumWeight;
		return this;
	}

	/**
	 * Set where Caffeine runs maintenance and removal notifications. On nearcache's own invalidation-applying
	 * threads that work still runs inline, as it would without this setting.
	 * @param executor the executor
	 * @return these options
	 */
	public CaffeineOptions executor(Executor executor) {
		Assert.notNull(executor, "executor must not be null");
		this.executor = executor;
		return this;
	}

	/**
	 * Add the application's own removal listener, called after nearcache's own bookkeeping for every removal:
	 * evictions, expiry, invalidations and clears (local and remote), replacements.
	 * @param removalListener the listener
	 * @return these options
	 */
	@SuppressWarnings("unchecked")
	public CaffeineOptions removalListener(RemovalListener<?, ?> removalListener) {
		Assert.notNull(removalListener, "removalListener must not be null");
		this.removalListener = (RemovalListener<Object, Object>) removalListener;
		return this;
	}

	/**
	 * Refused: a near cache expires entries a fixed time after write.
	 * @param duration ignored
	 * @return never
	 * @throws IllegalArgumentException always, saying why and what to use instead
	 */
	public CaffeineOptions expireAfterAccess(Duration duration) {
		throw new IllegalArgumentException("expireAfterAccess cannot be used on a near cache: an entry read "
				+ "often would never expire, so a lost invalidation could leave it stale forever; nearcache "
				+ "expires entries a fixed time after write (nearcache.defaults.ttl or nearcache.caches.<name>.ttl)");
	}

	/**
	 * Refused: a near cache expires entries a fixed time after write.
	 * @param expiry ignored
	 * @return never
	 * @throws IllegalArgumentException always, saying why and what to use instead
	 */
	public CaffeineOptions expireAfter(Expiry<?, ?> expiry) {
		throw new IllegalArgumentException("A variable Expiry cannot be used on a near cache: Caffeine does not "
				+ "combine it with the write expiry through which nearcache bounds staleness and caps the TTL while "
				+ "invalidations may be missed; set nearcache.defaults.ttl or nearcache.caches.<name>.ttl "
				+ "(and null-ttl for cached nulls)");
	}

	int initialCapacity() {
		return this.initialCapacity;
	}

	@Nullable Weigher<Object, Object> weigher() {
		return this.weigher;
	}

	long maximumWeight() {
		return this.maximumWeight;
	}

	@Nullable Executor executor() {
		return this.executor;
	}

	@Nullable RemovalListener<Object, Object> removalListener() {
		return this.removalListener;
	}

}
