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
	 */
	static void missed(PendingFills fills, Object key) {
		FillScope scope = CURRENT.get();
		if (scope != null) {
			scope.hold(fills, key);
		}
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

	private void hold(PendingFills fills, Object key) {
		synchronized (this) {
			if (this.closed) {
				return;
			}
			this.held.add(new Held(fills, key, fills.register(key)));
		}
	}

	private record Held(PendingFills fills, Object key, PendingFills.Registration registration) {
	}

}
