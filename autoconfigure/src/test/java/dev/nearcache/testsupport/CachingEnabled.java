package dev.nearcache.testsupport;

import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;

/**
 * Caching enabled, as in any application that uses nearcache: its auto-configuration, like Spring Boot's, applies
 * only then.
 */
@Configuration(proxyBeanMethods = false)
@EnableCaching
public class CachingEnabled {

}
