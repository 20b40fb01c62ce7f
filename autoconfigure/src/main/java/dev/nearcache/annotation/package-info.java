/**
 * Declarative invalidation for write methods: {@link dev.nearcache.annotation.CacheInvalidate}, evicting on every
 * instance after the transaction commits, and the advisor that applies it.
 */
@NullMarked
package dev.nearcache.annotation;

import org.jspecify.annotations.NullMarked;
