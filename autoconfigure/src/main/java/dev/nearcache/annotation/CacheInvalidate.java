package dev.nearcache.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.aot.hint.annotation.Reflective;
import org.springframework.core.annotation.AliasFor;

/**
 * Declares that a method changes the data behind some cache entries: when it succeeds, those entries are evicted
 * on this instance and on every other instance of the application.
 * <p>
 * <b>Transaction-aware.</b> Inside a Spring-managed transaction the invalidation happens after the transaction
 * commits, and not at all if it rolls back: invalidating earlier would let another instance reload the old row
 * before the commit and keep it until its TTL. Outside a transaction it happens when the method returns. All
 * invalidations of one transaction (or of one call) are merged per cache and published together, one message per
 * cache as far as the message size allows.
 * <p>
 * <b>Only on success.</b> A method that throws invalidates nothing, unless {@link #beforeInvocation()} is set.
 * A method returning a {@code CompletableFuture}, a Reactor {@code Mono} or {@code Flux} invalidates when the
 * result completes successfully ({@code #result} is the future's or the {@code Mono}'s value; it is not
 * available for a {@code Flux}).
 * <p>
 * <b>Keys.</b> Without {@link #key()}, {@link #keys()} or {@link #keyGenerator()}, the key is generated from the
 * method's arguments by the same key generator Spring's cache interceptor uses (the {@code CachingConfigurer}'s,
 * else {@code SimpleKeyGenerator}), so it equals the key {@code @Cacheable} stored only if the write method takes
 * the same parameters as the read method. Expressions see the same variables as in {@code @Cacheable}:
 * {@code #paramName}, {@code #p0}/{@code #a0}, {@code #root.args}, {@code #root.method}, {@code #root.target},
 * {@code #root.methodName}, {@code #root.targetClass}, {@code @beanName}, and {@code #result} after the call.
 * <p>
 * Repeatable; usable on interface and class methods, on classes and interfaces (then it applies to every public
 * method, as Spring's cache annotations do), and as a meta-annotation. Applied through a Spring AOP proxy: like
 * every proxy-based annotation, a call from within the same object (self-invocation) is not intercepted.
 * <p>
 * {@link Reflective @Reflective}, as {@code @Cacheable} is: ahead-of-time processing registers the annotated
 * methods of beans for reflection, so that a native image still sees their parameter names ({@code #id}).
 *
 * @see CacheInvalidations
 */
@Target({ ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
@Repeatable(CacheInvalidations.class)
@Reflective
public @interface CacheInvalidate {

	/**
	 * Alias for {@link #cacheNames}.
	 * @return the cache names
	 */
	@AliasFor("cacheNames")
	String[] value() default {};

	/**
	 * Names of the caches to invalidate. Defaults to the names of the class's {@code @CacheConfig}.
	 * @return the cache names
	 */
	@AliasFor("value")
	String[] cacheNames() default {};

	/**
	 * SpEL expression for the one key to evict, e.g. {@code #product.id}. Exclusive with {@link #keys()},
	 * {@link #keyGenerator()} and {@link #allEntries()}. Empty: the key generator computes it from the arguments.
	 * @return the key expression
	 */
	String key() default "";

	/**
	 * SpEL expression yielding a collection, an array or another {@code Iterable} of keys to evict, for bulk
	 * writes, e.g. {@code #ids} or {@code #products.![id]}. Each element is one key as {@code @Cacheable} stored
	 * it. An empty collection evicts nothing. Exclusive with {@link #key()}, {@link #keyGenerator()} and
	 * {@link #allEntries()}.
	 * @return the keys expression
	 */
	String keys() default "";

	/**
	 * Name of the {@code KeyGenerator} bean computing the key from the arguments; use the one the read method's
	 * {@code @Cacheable} names. Defaults to the class's {@code @CacheConfig} key generator, else the application's
	 * default. Exclusive with {@link #key()} and {@link #keys()}.
	 * @return the key generator bean name
	 */
	String keyGenerator() default "";

	/**
	 * Whether to clear the named caches entirely rather than evict keys.
	 * @return whether all entries are evicted
	 */
	boolean allEntries() default false;

	/**
	 * SpEL expression evaluated before the call; the invalidation happens only if it is {@code true}.
	 * {@code #result} is not available.
	 * @return the condition
	 */
	String condition() default "";

	/**
	 * SpEL expression evaluated after a successful call, with {@code #result}; the invalidation is skipped if it is
	 * {@code true}. Not allowed with {@link #beforeInvocation()}.
	 * @return the veto
	 */
	String unless() default "";

	/**
	 * Whether to invalidate before the method is called, whatever its outcome (it may throw), as Spring's
	 * {@code @CacheEvict(beforeInvocation = true)} does. {@code #result} is then not available. Inside a
	 * transaction the same keys are invalidated again when it completes, committed or rolled back, so that a
	 * reload during the transaction is not kept.
	 * @return whether to invalidate before the call
	 */
	boolean beforeInvocation() default false;

	/**
	 * Whether to invalidate as soon as the method returns even inside a transaction, in addition to the
	 * invalidation after commit. For readers of the same transaction that must not see the old entry: other
	 * instances may then reload the old row before the commit, which the second invalidation after commit
	 * corrects. Without a transaction it makes no difference.
	 * @return whether to invalidate at return as well as after commit
	 */
	boolean immediately() default false;

}
