/**
 * What operators see and do through Spring Boot Actuator: the {@code nearcache} endpoint (statistics per cache
 * and of the invalidation channel, eviction by key or cache across the cluster) and the {@code nearcache}
 * health contributor.
 */
@NullMarked
package dev.nearcache.actuate;

import org.jspecify.annotations.NullMarked;
