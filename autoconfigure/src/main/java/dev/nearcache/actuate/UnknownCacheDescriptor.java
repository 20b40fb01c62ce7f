package dev.nearcache.actuate;

import java.util.List;

/**
 * The body of a {@code 404} for a cache that does not exist on this instance: which caches do.
 *
 * @param error what was not found
 * @param knownCaches the caches of this instance, sorted
 * @param dynamic whether other caches are created on first use by the application (never by the endpoint)
 */
public record UnknownCacheDescriptor(String error, List<String> knownCaches, boolean dynamic) {

}
