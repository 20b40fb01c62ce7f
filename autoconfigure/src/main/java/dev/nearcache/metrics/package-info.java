/**
 * Micrometer meters of nearcache: Spring Boot's standard cache meters for every near cache (including caches
 * created after startup) and meters of the invalidation channel.
 */
@NullMarked
package dev.nearcache.metrics;

import org.jspecify.annotations.NullMarked;
