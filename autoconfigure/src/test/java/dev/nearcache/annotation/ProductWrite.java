package dev.nearcache.annotation;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.core.annotation.AliasFor;

/**
 * A user's own composed annotation: every product write invalidates the product, keyed as the caller says.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@CacheInvalidate(cacheNames = "products")
@interface ProductWrite {

	@AliasFor(annotation = CacheInvalidate.class, attribute = "key")
	String id();

}
