package dev.nearcache.cache;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The span of one {@code @Cacheable} read, opened by {@link CacheFillAdvisor} around Spring's cache
 * interceptor. Misses inside it are registered as {@link PendingFills pending fills}, so the {@code put} that
 * follows is recognised as a fill and not broadcast.
 * <p>
 * The scope is visible to its thread only between {@link #open} and {@link #detach} (always in a
 * {@code finally}), so a pooled thread never carries it into a later request. Its registrations are withdrawn
 * by {@link #close}, when the read's result is complete: at once for plain results, on completion for
 * {@code CompletableFuture} and reactive results.
 */
final class FillScope {

	private static final ThreadLocal<FillScope> CURRENT = new ThreadLocal<>();

	private final @Nullable FillScope previous;

	private final List<Held> held = new ArrayList<>(1);

	private boolean closed;

	private FillScope(@Nullable FillScope previous) {
		this.previous = previous;
	}

	/**
	 * Open a scope on the current thread.
	 * @return the scope, to be {@link #detach detached} in a {@code finally} on this thread
	 */
	static FillScope open() {
		FillScope scope = new FillScope(CURRENT.get());
		CURRENT.set(scope);
		return scope;
	}

	/**
	 * Register a miss if the current thread is inside a read. Called on misses only, never on hits.
	 * @param fills the pending fills of the cache that missed
	 * @param key the key that missed
	 * @param tick the cache's invalidation tick at the miss
	 */
	static void missed(PendingFills fills, Object key, long tick) {
		FillScope scope = CURRENT.get();
		if (scope != null) {
			scope.hold(fills, key, tick);
		}
	}

	/**
	 * Take the current thread's own registration for a key, for a put on the thread that missed.
	 * @param fills the pending fills of the cache being put to
	 * @param key the key being put
	 * @return the tick recorded at this thread's miss, or {@link PendingFills#NOT_A_FILL}
	 */
	static long consumeOwn(PendingFills fills, Object key) {
		FillScope scope = CURRENT.get();
		return (scope != null) ? scope.take(fills, key) : PendingFills.NOT_A_FILL;
	}

	/** Stop being the current thread's scope; restores the enclosing scope, if any. */
	void detach() {
		if (this.previous != null) {
			CURRENT.set(this.previous);
		}
		else {
			CURRENT.remove();
		}
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
			// Another put took it from the pool (an asynchronous fill): take any, as that put would have.
			long tick = fills.consume(key);
			return (tick != PendingFills.NOT_A_FILL) ? Math.min(tick, own.registration().tick) : own.registration().tick;
		}
		return own.registration().tick;
	}

	private void hold(PendingFills fills, Object key, long tick) {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.held.add(new Held(fills, key, fills.register(key, tick)));
		}
	}

	private record Held(PendingFills fills, Object key, PendingFills.Registration registration) {
	}

}
