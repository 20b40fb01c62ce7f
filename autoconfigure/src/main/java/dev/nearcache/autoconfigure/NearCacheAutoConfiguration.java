package dev.nearcache.autoconfigure;

import com.github.benmanes.caffeine.cache.Caffeine;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cache.CacheManager;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;

import dev.nearcache.cache.NearCacheManager;

/**
 * Auto-configuration of nearcache: a {@link NearCacheManager} whose caches live in this instance's memory and
 * are invalidated on every other instance through Redis pub/sub, or locally only when there is no Redis.
 * <p>
 * Follows Spring Boot's own cache auto-configuration in when it applies: only when caching is enabled
 * ({@code @EnableCaching}, which defines the {@link CacheAspectSupport} bean), and not when
 * {@code spring.cache.type} asks for another manager ({@code none} included: see
 * {@link SpringCacheTypeCondition}). It also backs off entirely when the application defines a
 * {@link CacheManager} of another kind. When it backs off, no manager, subscriber or heartbeat runs, and
 * {@link NearCacheOffReport} says why once at startup.
 * <p>
 * Runs after Spring Boot's Redis auto-configuration (to use its connection factory) and before its cache
 * auto-configuration (which then backs off, or builds the manager {@code spring.cache.type} asks for).
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
		beforeName = "org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration")
@ConditionalOnClass({ Caffeine.class, CacheManager.class })
@ConditionalOnBooleanProperty(name = "nearcache.enabled", matchIfMissing = true)
@ConditionalOnBean(CacheAspectSupport.class)
@Conditional(SpringCacheTypeCondition.class)
@ConditionalOnMissingBean(value = CacheManager.class, ignored = NearCacheManager.class)
@EnableConfigurationProperties(NearCacheProperties.class)
@Import({ RedisInvalidationConfiguration.class, ShardedInvalidationConfiguration.class,
		LocalOnlyInvalidationConfiguration.class, NearCacheManagerConfiguration.class, CacheFillConfiguration.class, CacheAuditConfiguration.class,
		TcpKeepAliveConfiguration.class })
public final class NearCacheAutoConfiguration {

}
