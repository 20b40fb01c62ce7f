package dev.nearcache.annotation;

/**
 * Thrown when a {@link CacheInvalidate} cannot be carried out as declared: an expression that does not parse or
 * fails to evaluate, a {@code null} key, an unknown cache (with {@code nearcache.dynamic=false}), a key without a
 * canonical form, or contradicting attributes. The message names the method and the attribute or expression.
 * <p>
 * Errors found by reading the annotation are raised when the bean is proxied (at startup); those that need the
 * arguments or the result are raised by the call. A key that cannot be evaluated after the method returned is
 * reported to the caller even though the method itself succeeded (its transaction, if it started one, has then
 * committed): cover each {@code @CacheInvalidate} with a test.
 */
public class CacheInvalidateException extends IllegalStateException {

	CacheInvalidateException(String message) {
		super(message);
	}

	CacheInvalidateException(String message, Throwable cause) {
		super(message, cause);
	}

}
