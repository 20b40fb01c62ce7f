/**
 * The near cache itself: Caffeine-backed Spring {@link org.springframework.cache.Cache caches}, the
 * {@link dev.nearcache.cache.NearCacheManager} that tracks every live one, canonical key forms for the
 * wire, and the programmatic {@link dev.nearcache.cache.NearCacheInvalidator}.
 */
@NullMarked
package dev.nearcache.cache;

import org.jspecify.annotations.NullMarked;
