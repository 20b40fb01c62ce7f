package dev.nearcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Container of repeated {@link CacheInvalidate} annotations; rarely written by hand, since
 * {@code @CacheInvalidate} can simply be repeated.
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface CacheInvalidations {

	/**
	 * The invalidations.
	 * @return the repeated annotations
	 */
	CacheInvalidate[] value();

}
