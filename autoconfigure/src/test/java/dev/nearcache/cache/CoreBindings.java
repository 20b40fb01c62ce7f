package dev.nearcache.cache;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The calls of the cache-core model that depend on which cache core is under test: before issue 16's rewrite
 * (today's {@code PendingFills} / {@code InvalidationGenerations}) or after it. Everything else in the model
 * checking tests uses only {@link NearCache}'s Spring {@code Cache} methods, {@code applyRemoteInvalidation},
 * {@code clearLocally}, the package-private constructor with a maintenance executor, and
 * {@link FillScope#frames()}/{@link FillScope.Frames#enter()}, which both cores share. Switching cores means
 * switching the bodies below (and, if the new core stripes differently, {@link #keySharingStripeWith}).
 */
final class CoreBindings {

	private CoreBindings() {
	}

	/**
	 * Return a {@code String} key, other than the given ones, whose invalidations stamp the same stripe as those of
	 * {@code form}.
	 * <p>
	 * Old core: {@code InvalidationGenerations} has 1024 stripes chosen by the spread hash of the canonical form
	 * (a {@code String} key is its own canonical form).
	 * @param form a canonical form
	 * @param taken keys not to return
	 * @return a {@code String} key sharing its stripe
	 */
	static String keySharingStripeWith(String form, String... taken) {
		int stripe = oldStripe(form);
		for (int i = 0;; i++) {
			String candidate = "p" + i;
			if (!candidate.equals(form) && !List.of(taken).contains(candidate) && oldStripe(candidate) == stripe) {
				return candidate;
			}
		}
	}

	private static int oldStripe(Object stripeKey) {
		int hash = stripeKey.hashCode();
		return (hash ^ (hash >>> 16)) & 1023;
	}

	/**
	 * Leave a read whose result is complete (a plain result, or a hit), as {@link CacheFillAdvisor} does.
	 * <p>
	 * Old core: leave the frame and close the read's scope, withdrawing the registrations it did not fill.
	 * @param frames the current thread's frames
	 * @param level the read's level from {@link FillScope.Frames#enter()}
	 */
	static void leaveRead(FillScope.Frames frames, int level) {
		FillScope scope = frames.exit(level);
		if (scope != null) {
			scope.close();
		}
	}

	/**
	 * Leave an asynchronous read whose future is not complete yet, as {@link CacheFillAdvisor} does: the scope
	 * stays open until {@link #completeAsyncFill}.
	 * @param frames the current thread's frames
	 * @param level the read's level from {@link FillScope.Frames#enter()}
	 * @return the read's scope ({@code null} if it registered nothing)
	 */
	static @Nullable FillScope leaveAsyncRead(FillScope.Frames frames, int level) {
		FillScope scope = frames.at(level);
		frames.exit(level);
		return scope;
	}

	/**
	 * Complete an asynchronous {@code @Cacheable} read: the {@code put} Spring's cache interceptor makes when the
	 * method's future completes, and the end of the read's fill scope, as {@link CacheFillAdvisor} does. Called
	 * after the read's frame was left, so the calling thread stands for the thread that completes the future.
	 * <p>
	 * Old core: the put has no frame, so it takes a <em>shared</em> registration of the key
	 * ({@code PendingFills.consume}), and the scope is closed on completion, withdrawing what is left.
	 * <p>
	 * New core: the completing context re-enters the read's scope around the put, e.g.
	 * <pre>{@code
	 * FillScope.Frames frames = FillScope.frames();
	 * int level = frames.enterScope(scope);
	 * try { cache.put(key, value); } finally { frames.exit(level); }
	 * scope.close();   // if the new core still closes on completion
	 * }</pre>
	 * @param cache the cache
	 * @param scope the read's scope, taken with {@code FillScope.frames().at(level)} before the frame was left
	 * ({@code null} if the read registered nothing)
	 * @param key the key that missed
	 * @param value the loaded value
	 */
	static void completeAsyncFill(NearCache cache, @Nullable FillScope scope, Object key, Object value) {
		cache.put(key, value);
		if (scope != null) {
			scope.close();
		}
	}

}
