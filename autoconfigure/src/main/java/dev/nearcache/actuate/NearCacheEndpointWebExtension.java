package dev.nearcache.actuate;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

/**
 * Over HTTP, answers {@code 404} for a cache that does not exist on this instance (instead of the {@code 204} of
 * an empty result).
 */
@EndpointWebExtension(endpoint = NearCacheEndpoint.class)
public class NearCacheEndpointWebExtension {

	private final NearCacheEndpoint delegate;

	/**
	 * Create the extension.
	 * @param delegate the endpoint it extends
	 */
	public NearCacheEndpointWebExtension(NearCacheEndpoint delegate) {
		this.delegate = delegate;
	}

	/**
	 * Report one cache.
	 * @param cache the cache name
	 * @return the report, or {@code 404}
	 * @see NearCacheEndpoint#cache(String)
	 */
	@ReadOperation
	public WebEndpointResponse<CacheDescriptor> cache(@Selector String cache) {
		return orNotFound(this.delegate.cache(cache));
	}

	/**
	 * Evict one key of a cache, or clear it.
	 * @param cache the cache name
	 * @param key the canonical form of the key to evict
	 * @param all {@code true} to clear the whole cache instead
	 * @param scope {@code cluster} (the default) or {@code local}
	 * @return what was done, or {@code 404}
	 * @see NearCacheEndpoint#evict(String, String, Boolean, String)
	 */
	@WriteOperation
	public WebEndpointResponse<EvictionDescriptor> evict(@Selector String cache, @Nullable String key,
			@Nullable Boolean all, @Nullable String scope) {
		return orNotFound(this.delegate.evict(cache, key, all, scope));
	}

	private static <T> WebEndpointResponse<T> orNotFound(@Nullable T body) {
		return (body != null) ? new WebEndpointResponse<>(body)
				: new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
	}

}
