package dev.nearcache.actuate;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * The outcome of an eviction through the {@code nearcache} endpoint.
 *
 * @param caches the caches acted on
 * @param key the canonical key form evicted; {@code null} when whole caches were cleared
 * @param scope {@code cluster} (this instance and, through the channel, every other) or {@code local} (this
 * instance only)
 * @param evicted entries removed on this instance; for a clear, the entries held just before it (an estimate)
 * @param broadcast whether an invalidation was handed to the publisher for the other instances. Publishing is
 * asynchronous: {@code true} means queued, not yet delivered. {@code false} for the local scope, in local-only
 * mode and for caches with {@code broadcast: false}.
 */
public record EvictionDescriptor(List<String> caches, @Nullable String key, String scope, long evicted,
		boolean broadcast) {

	public EvictionDescriptor {
		caches = List.copyOf(caches);
	}

}
