/**
 * The invalidation transport: the v1 wire format, publishing local invalidations to Redis pub/sub without
 * blocking callers, and applying the invalidations other instances publish.
 */
@NullMarked
package dev.nearcache.invalidation;

import org.jspecify.annotations.NullMarked;
