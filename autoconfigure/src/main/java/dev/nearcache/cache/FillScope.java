package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The misses of one {@code @Cacheable} read, so that the {@code put} Spring's cache interceptor makes after the
 * method returned is recognised as the fill of that miss — installed only if the key was not invalidated since
 * the miss, and not broadcast — rather than as a write.
 * <p>
 * A registration is never shared: only a {@code put} made where the read's scope is current can take it. That is
 * the reading thread once the method returned (Spring puts a plain result right there), or, for a
 * {@code CompletableFuture} or reactive result, the thread that completes it, while it delivers the completion
 * with the scope re-entered ({@link CacheFillAdvisor}). So a fill always finds the stamp of its own miss, never
 * another read's, and a write on any other thread or inside the method body stays a write.
 * <p>
 * A read costs nothing on a hit: each thread keeps one small stack of the reads it is inside ({@link Frames}),
 * and a scope object is created only when a read misses. A frame is current only between {@link Frames#enter}
 * and {@link Frames#exit} (always in a {@code finally}), so a pooled thread never carries a scope into a later
 * request; a scope left with registrations nobody took is garbage, there is nothing to withdraw.
 */
final class FillScope {

	private static final ThreadLocal<Frames> FRAMES = ThreadLocal.withInitial(Frames::new);

	/** Returned by {@link #consume} when the put fills no miss of the current read. */
	static final long NOT_A_FILL = Long.MIN_VALUE;

	/** The scope of a span that is no read, such as the body of a {@code @Cacheable} method: it takes nothing. */
	private static final FillScope NO_READ = new FillScope();

	private final List<Miss> misses = new ArrayList<>(1);

	private FillScope() {
	}

	/**
	 * Return the current thread's stack of reads.
	 * @return the frames, one object per thread
	 */
	static Frames frames() {
		return FRAMES.get();
	}

	/**
	 * Return whether the current thread is inside a read, so that a miss is worth registering.
	 * @return whether a miss now would be registered
	 */
	static boolean inRead() {
		Frames frames = FRAMES.get();
		return frames.depth > 0 && frames.scopes[frames.depth - 1] != NO_READ;
	}

	/**
	 * Register a miss if the current thread is inside a read. Called on misses only, never on hits.
	 * @param cache the cache that missed
	 * @param key the key that missed
	 * @param stamp the key's stamp at the miss
	 */
	static void missed(NearCache cache, Object key, long stamp) {
		FillScope scope = FRAMES.get().current(true);
		if (scope != null) {
			scope.add(new Miss(cache, key, stamp));
		}
	}

	/**
	 * Take the current read's registration for a key, for the put that fills its miss.
	 * @param cache the cache being put to
	 * @param key the key being put
	 * @return the stamp recorded at the miss, or {@link #NOT_A_FILL}
	 */
	static long consume(NearCache cache, Object key) {
		Frames frames = FRAMES.get();
		FillScope scope = (frames.depth > 0) ? frames.current(false) : null;
		if (scope == null) {
			return NOT_A_FILL;
		}
		// An asynchronous result may complete more than once (a Mono subscribed again): each of its puts fills the
		// same miss, checked against the same stamp, so the registration stays.
		return frames.reentered[frames.depth - 1] ? scope.find(cache, key) : scope.take(cache, key);
	}

	private synchronized void add(Miss miss) {
		if (this != NO_READ) {
			this.misses.add(miss);
		}
	}

	private synchronized long find(NearCache cache, Object key) {
		for (int i = this.misses.size() - 1; i >= 0; i--) {
			Miss miss = this.misses.get(i);
			if (miss.cache() == cache && miss.key().equals(key)) {
				return miss.stamp();
			}
		}
		return NOT_A_FILL;
	}

	private synchronized long take(NearCache cache, Object key) {
		for (int i = this.misses.size() - 1; i >= 0; i--) {
			Miss miss = this.misses.get(i);
			if (miss.cache() == cache && miss.key().equals(key)) {
				this.misses.remove(i);
				return miss.stamp();
			}
		}
		return NOT_A_FILL;
	}

	/**
	 * Return whether this read registered a miss that no put took yet: only then is there a fill to carry to
	 * the thread that completes an asynchronous result.
	 * @return whether a fill is pending
	 */
	synchronized boolean hasPendingFill() {
		return !this.misses.isEmpty();
	}

	private record Miss(NearCache cache, Object key, long stamp) {
	}

	/**
	 * The reads one thread is inside, innermost last; each slot holds the scope of that read once it missed.
	 */
	static final class Frames {

		private @Nullable FillScope[] scopes = new FillScope[4];

		/** Whether each level re-entered a read's scope for an asynchronous completion. */
		private boolean[] reentered = new boolean[4];

		private int depth;

		/** Method bodies and cache loads this thread ran or waited for, for {@link LoadCounter}. */
		private long loads;

		/**
		 * Enter a read.
		 * @return its level, to pass to {@link #exit}
		 */
		int enter() {
			return push(null, false);
		}

		/**
		 * Enter a span that is no read, such as the body of a {@code @Cacheable} method: its misses register
		 * nothing, and its puts take no registration of the read around it, so they are writes.
		 * @return its level, to pass to {@link #exit}
		 */
		int enterNoRead() {
			this.loads++;
			return push(NO_READ, false);
		}

		/** Count a cache load this thread starts or joins (the slow path of a sync read), for {@link LoadCounter}. */
		void loading() {
			this.loads++;
		}

		/** @return the method bodies and loads this thread ran or waited for so far */
		long loads() {
			return this.loads;
		}

		/**
		 * Enter a read's scope again, on the thread that completes its asynchronous result.
		 * @param scope the read's scope
		 * @return its level, to pass to {@link #exit}
		 */
		int reenter(FillScope scope) {
			return push(scope, true);
		}

		private int push(@Nullable FillScope scope, boolean completion) {
			if (this.depth == this.scopes.length) {
				this.scopes = Arrays.copyOf(this.scopes, this.depth * 2);
				this.reentered = Arrays.copyOf(this.reentered, this.depth * 2);
			}
			this.scopes[this.depth] = scope;
			this.reentered[this.depth] = completion;
			return this.depth++;
		}

		/**
		 * Return the scope of the read at a level, if it missed.
		 * @param level the level from {@link #enter}
		 * @return the scope, or {@code null}
		 */
		@Nullable FillScope at(int level) {
			FillScope scope = this.scopes[level];
			return (scope != NO_READ) ? scope : null;
		}

		/**
		 * Return the scope of the innermost read, if it missed.
		 * @return the scope, or {@code null}
		 */
		@Nullable FillScope current() {
			FillScope scope = (this.depth > 0) ? this.scopes[this.depth - 1] : null;
			return (scope != NO_READ) ? scope : null;
		}

		/**
		 * Leave a read (and any inner one an exception skipped).
		 * @param level the level from {@link #enter}
		 */
		void exit(int level) {
			for (int i = level; i < this.depth; i++) {
				this.scopes[i] = null;
			}
			this.depth = level;
		}

		private @Nullable FillScope current(boolean create) {
			if (this.depth == 0) {
				return null;
			}
			FillScope scope = this.scopes[this.depth - 1];
			if (scope == null && create) {
				scope = new FillScope();
				this.scopes[this.depth - 1] = scope;
			}
			return scope;
		}

	}

}
