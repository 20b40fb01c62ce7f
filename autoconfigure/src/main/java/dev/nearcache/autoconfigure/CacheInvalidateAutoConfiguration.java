package dev.nearcache.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Import;

import dev.nearcache.annotation.CacheInvalidate;
import dev.nearcache.cache.NearCacheManager;

/**
 * Auto-configuration of {@link CacheInvalidate @CacheInvalidate}: the advisor that applies it to the application's
 * beans, whenever nearcache manages the caches. No {@code @Enable...} annotation is needed.
 */
@AutoConfiguration(after = NearCacheAutoConfiguration.class)
@ConditionalOnBean(NearCacheManager.class)
@Import(CacheInvalidateConfiguration.class)
public final class CacheInvalidateAutoConfiguration {

}
