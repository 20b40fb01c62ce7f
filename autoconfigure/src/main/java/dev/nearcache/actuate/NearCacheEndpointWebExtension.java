package dev.nearcache.actuate;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import dev.nearcache.cache.NearCacheManager;

/**
 * Over HTTP, answers {@code 404} for a cache that does not exist on this instance (instead of the {@code 204} of
 * an empty result), with a body naming the caches that do ({@link UnknownCacheDescriptor}).
 */
@EndpointWebExtension(endpoint = NearCacheEndpoint.class)
public class NearCacheEndpointWebExtension {

	private final NearCacheEndpoint delegate;

	private final NearCacheManager cacheManager;

	/**
	 * Create the extension.
	 * @param delegate the endpoint it extends
	 * @param cacheManager the caches it names when one is not found
	 */
	public NearCacheEndpointWebExtension(NearCacheEndpoint delegate, NearCacheManager cacheManager) {
		this.delegate = delegate;
		this.cacheManager = cacheManager;
	}

	/**
	 * Report one cache.
	 * @param cache the cache name
	 * @return the report, or {@code 404} naming the known caches
	 * @see NearCacheEndpoint#cache(String)
	 */
	@ReadOperation
	public WebEndpointResponse<?> cache(@Selector String cache) {
		return orNotFound(cache, this.delegate.cache(cache));
	}

	/**
	 * Evict one key of a cache, or clear it.
	 * @param cache the cache name
	 * @param key the canonical form of the key to evict
	 * @param all {@code true} to clear the whole cache instead
	 * @param scope {@code cluster} (the default) or {@code local}
	 * @return what was done, or {@code 404} naming the known caches
	 * @see NearCacheEndpoint#evict(String, String, Boolean, String)
	 */
	@WriteOperation
	public WebEndpointResponse<?> evict(@Selector String cache, @Nullable String key, @Nullable Boolean all,
			@Nullable String scope) {
		return orNotFound(cache, this.delegate.evict(cache, key, all, scope));
	}

	private WebEndpointResponse<?> orNotFound(String cache, @Nullable Object body) {
		if (body != null) {
			return new WebEndpointResponse<>(body);
		}
		List<String> known = this.cacheManager.getCacheNames().stream().sorted().toList();
		return new WebEndpointResponse<>(new UnknownCacheDescriptor("No cache named '" + cache + "' on this instance",
				known, this.cacheManager.isDynamic()), WebEndpointResponse.STATUS_NOT_FOUND);
	}

}
