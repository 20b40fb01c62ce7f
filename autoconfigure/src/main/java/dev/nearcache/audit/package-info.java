/**
 * The stale-read audit: for a small sample of {@code @Cacheable} hits, the method is invoked again in the background,
 * without the cache, and the fresh result compared with the cached one; a difference that outlives the staleness
 * bound is reported (and optionally evicted here) as a write path that does not invalidate the cache.
 */
@NullMarked
package dev.nearcache.audit;

import org.jspecify.annotations.NullMarked;
