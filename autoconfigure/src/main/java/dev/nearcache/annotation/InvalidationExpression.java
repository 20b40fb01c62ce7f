package dev.nearcache.annotation;

import org.springframework.expression.Expression;

/**
 * A parsed SpEL attribute of {@link CacheInvalidate}, with its source text for error messages.
 *
 * @param attribute the attribute name: {@code key}, {@code keys}, {@code condition} or {@code unless}
 * @param text the expression as written
 * @param expression the parsed expression
 */
record InvalidationExpression(String attribute, String text, Expression expression) {

	String describe() {
		return this.attribute + " = \"" + this.text + "\"";
	}

}
