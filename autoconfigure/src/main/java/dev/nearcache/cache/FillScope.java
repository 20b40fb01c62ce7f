package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The span of one {@code @Cacheable} read, opened by {@link CacheFillAdvisor} around Spring's cache
 * interceptor. Misses inside it are registered as {@link PendingFills pending fills}, so the {@code put} that
 * follows is recognised as a fill and not broadcast.
 * <p>
 * A read costs nothing on a hit: each thread keeps one small stack of the reads it is inside
 * ({@link Frames}), and a scope object is created only when a read misses. A frame is visible only between
 * {@link Frames#enter} and {@link Frames#exit} (always in a {@code finally}), so a pooled thread never carries a
 * scope into a later request. A scope's registrations are withdrawn by {@link #close}, when the read's result is
 * complete: at once for plain results, on completion for {@code CompletableFuture} and reactive results.
 */
final class FillScope {

	private static final ThreadLocal<Frames> FRAMES = ThreadLocal.withInitial(Frames::new);

	private final List<Held> held = new ArrayList<>(1);

	private boolean closed;

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
	 * Register a miss if the current thread is inside a read. Called on misses only, never on hits.
	 * @param fills the pending fills of the cache that missed
	 * @param key the key that missed
	 * @param tick the cache's invalidation tick at the miss
	 * @param async whether the read's put may come from another thread ({@code retrieve}), so that its
	 * registration must be shared
	 */
	static void missed(PendingFills fills, Object key, long tick, boolean async) {
		FillScope scope = FRAMES.get().current(true);
		if (scope != null) {
			scope.hold(fills, key, tick, async);
		}
	}

	/**
	 * Take the current thread's own registration for a key, for a put on the thread that missed.
	 * @param fills the pending fills of the cache being put to
	 * @param key the key being put
	 * @return the tick recorded at this thread's miss, or {@link PendingFills#NOT_A_FILL}
	 */
	static long consumeOwn(PendingFills fills, Object key) {
		FillScope scope = FRAMES.get().current(false);
		return (scope != null) ? scope.take(fills, key) : PendingFills.NOT_A_FILL;
	}

	/** Withdraw every registration this read made and did not fill. Idempotent, callable from any thread. */
	void close() {
		List<Held> toWithdraw;
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			toWithdraw = List.copyOf(this.held);
			this.held.clear();
		}
		for (Held entry : toWithdraw) {
			entry.fills().withdraw(entry.key(), entry.registration());
		}
	}

	private long take(PendingFills fills, Object key) {
		Held own = null;
		synchronized (this) {
			for (int i = this.held.size() - 1; i >= 0; i--) {
				Held entry = this.held.get(i);
				if (entry.fills() == fills && entry.key().equals(key)) {
					own = this.held.remove(i);
					break;
				}
			}
		}
		if (own == null) {
			return PendingFills.NOT_A_FILL;
		}
		if (!fills.withdraw(key, own.registration())) {
			// Another thread's put took this shared registration (an asynchronous fill): take any, as that put
			// would have.
			long tick = fills.consume(key);
			return (tick != PendingFills.NOT_A_FILL) ? Math.min(tick, own.registration().tick) : own.registration().tick;
		}
		return own.registration().tick;
	}

	private void hold(PendingFills fills, Object key, long tick, boolean shared) {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.held.add(new Held(fills, key, fills.register(key, tick, shared)));
		}
	}

	private record Held(PendingFills fills, Object key, PendingFills.Registration registration) {
	}

	/**
	 * The reads one thread is inside, innermost last; each slot holds the scope of that read once it missed.
	 */
	static final class Frames {

		private FillScope[] scopes = new FillScope[4];

		private int depth;

		/**
		 * Enter a read.
		 * @return its level, to pass to {@link #exit}
		 */
		int enter() {
			if (this.depth == this.scopes.length) {
				this.scopes = Arrays.copyOf(this.scopes, this.depth * 2);
			}
			this.scopes[this.depth] = null;
			return this.depth++;
		}

		/**
		 * Return the scope of the read at a level, if it missed.
		 * @param level the level from {@link #enter}
		 * @return the scope, or {@code null}
		 */
		@Nullable FillScope at(int level) {
			return this.scopes[level];
		}

		/**
		 * Leave a read (and any inner one an exception skipped).
		 * @param level the level from {@link #enter}
		 * @return the scope of the read, if it missed
		 */
		@Nullable FillScope exit(int level) {
			FillScope scope = this.scopes[level];
			for (int i = level; i < this.depth; i++) {
				this.scopes[i] = null;
			}
			this.depth = level;
			return scope;
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
