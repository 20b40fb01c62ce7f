package dev.nearcache.autoconfigure;

import com.github.benmanes.caffeine.cache.Caffeine;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Import;

import dev.nearcache.cache.NearCacheManager;

/**
 * Auto-configuration of nearcache: a {@link NearCacheManager} whose caches live in this instance's memory and
 * are invalidated on every other instance through Redis pub/sub, or locally only when there is no Redis.
 * <p>
 * Backs off entirely when the application defines a {@link CacheManager} of another kind. Runs after Spring
 * Boot's Redis auto-configuration (to use its connection factory) and before its cache auto-configuration
 * (which then backs off).
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass({ Caffeine.class, CacheManager.class })
@ConditionalOnBooleanProperty(name = "nearcache.enabled", matchIfMissing = true)
@ConditionalOnMissingBean(value = CacheManager.class, ignored = NearCacheManager.class)
@EnableConfigurationProperties(NearCacheProperties.class)
@Import({ RedisInvalidationConfiguration.class, ShardedInvalidationConfiguration.class,
		LocalOnlyInvalidationConfiguration.class, NearCacheManagerConfiguration.class, CacheFillConfiguration.class, CacheAuditConfiguration.class,
		TcpKeepAliveConfiguration.class })
public final class NearCacheAutoConfiguration {

}
