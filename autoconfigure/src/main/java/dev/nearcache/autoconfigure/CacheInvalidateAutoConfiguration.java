package dev.nearcache.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Import;

import dev.nearcache.annotation.CacheInvalidate;

/**
 * Auto-configuration of {@link CacheInvalidate @CacheInvalidate}: the advisor that applies it to the application's
 * beans, whenever nearcache manages the caches (no {@code @Enable...} annotation beyond {@code @EnableCaching} is
 * needed); and when nearcache is off, a report of why and what that means for {@code @CacheInvalidate}.
 */
@AutoConfiguration(after = NearCacheAutoConfiguration.class)
@Import({ CacheInvalidateConfiguration.class, NearCacheOffConfiguration.class })
public final class CacheInvalidateAutoConfiguration {

}
