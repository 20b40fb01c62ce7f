package dev.nearcache.annotation;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One {@link CacheInvalidate} as declared on a method, with its expressions parsed.
 *
 * @param cacheNames the caches to invalidate, never empty
 * @param key the key expression, or {@code null}
 * @param keys the keys expression, or {@code null}
 * @param keyGenerator the key generator bean name, or empty for the default
 * @param allEntries whether whole caches are cleared
 * @param condition the condition evaluated before the call, or {@code null}
 * @param unless the veto evaluated after the call, or {@code null}
 * @param beforeInvocation whether to invalidate before the call
 * @param immediately whether to invalidate at return even inside a transaction
 */
record CacheInvalidateOperation(List<String> cacheNames, @Nullable InvalidationExpression key,
		@Nullable InvalidationExpression keys, String keyGenerator, boolean allEntries,
		@Nullable InvalidationExpression condition, @Nullable InvalidationExpression unless, boolean beforeInvocation,
		boolean immediately) {

	/**
	 * Return whether the key comes from a key generator rather than an expression.
	 * @return whether a key generator computes the key
	 */
	boolean usesKeyGenerator() {
		return !this.allEntries && this.key == null && this.keys == null;
	}

}
