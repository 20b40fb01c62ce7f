package dev.nearcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Keeps the stale-read audit away from a {@code @Cacheable} method (or every method of a class): its hits are never
 * sampled, so the method is never invoked a second time by the audit.
 * <p>
 * Use it where calling the method again is not harmless: side effects (a counter, an audit log, a message sent),
 * paid or rate-limited APIs, reads that depend on context the audit cannot carry to its own threads (a tenant held
 * in a thread-local that no Micrometer context-propagation accessor covers). See {@code docs/operations.md},
 * "Is my cache coherent?".
 */
@Target({ ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface NoCacheAudit {

}
