package dev.nearcache.cache;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The calls of the cache-core model that depend on which cache core is under test. The bodies are those of the core
 * after issue 16's rewrite; the ones that found defects 1, 3, 4 and 5 on the core before it (shared
 * {@code PendingFills} registrations taken by a put on any thread, scopes closed on completion,
 * {@code InvalidationGenerations} with 1024 stripes) are in the closing note of issue 16. Everything else in the model
 * checking tests uses only {@link NearCache}'s Spring {@code Cache} methods, {@code applyRemoteInvalidation},
 * {@code clearLocally}, the package-private constructor with a maintenance executor, and
 * {@link FillScope#frames()}/{@link FillScope.Frames#enter()}, which both cores share. Switching cores means
 * switching the bodies below (and, if the new core stripes differently, {@link #keySharingStripeWith}).
 */
final class CoreBindings {

	/** The maximum size of the model's cache, which sizes its stripes. */
	static final long MAXIMUM_SIZE = 1000;

	private CoreBindings() {
	}

	/**
	 * Return a {@code String} key, other than the given ones, whose invalidations stamp the same stripe as those of
	 * {@code form} in a cache of {@link #MAXIMUM_SIZE} entries (a {@code String} key is its own canonical form).
	 * @param form a canonical form
	 * @param taken keys not to return
	 * @return a {@code String} key sharing its stripe
	 */
	static String keySharingStripeWith(String form, String... taken) {
		for (int i = 0;; i++) {
			String candidate = "p" + i;
			if (candidate.equals(form) || List.of(taken).contains(candidate)) {
				continue;
			}
			InvalidationStamps stamps = new InvalidationStamps(MAXIMUM_SIZE);
			long before = stamps.stamp(form);
			stamps.invalidating(candidate);
			if (stamps.movedSince(form, before)) {
				return candidate;
			}
		}
	}

	/**
	 * Leave a read whose result is complete (a plain result, or a hit), as {@link CacheFillAdvisor} does: the
	 * frame is left, and the registrations no put took are garbage.
	 * @param frames the current thread's frames
	 * @param level the read's level from {@link FillScope.Frames#enter()}
	 */
	static void leaveRead(FillScope.Frames frames, int level) {
		frames.exit(level);
	}

	/**
	 * Leave an asynchronous read whose future is not complete yet, keeping its scope for the completion.
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
	 * method's future completes, delivered with the read's scope re-entered, as {@link FillCompletionAdvisor}
	 * does. Called after the read's frame was left, so the calling thread stands for the thread that completes
	 * the future.
	 * @param cache the cache
	 * @param scope the read's scope, taken with {@code FillScope.frames().at(level)} before the frame was left
	 * ({@code null} if the read registered nothing)
	 * @param key the key that missed
	 * @param value the loaded value
	 */
	static void completeAsyncFill(NearCache cache, @Nullable FillScope scope, Object key, Object value) {
		if (scope == null) {
			cache.put(key, value);
			return;
		}
		FillScope.Frames frames = FillScope.frames();
		int level = frames.reenter(scope);
		try {
			cache.put(key, value);
		}
		finally {
			frames.exit(level);
		}
	}

}
