package dev.nearcache.testsupport;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test class its own {@link RedisServerProcess}, injected into any
 * constructor, test method or lifecycle method that declares one.
 * <p>
 * One server per class (rather than per JVM) keeps tests that stop or restart the server
 * from disturbing other classes, while avoiding a process start per test method. The
 * server lives in the class-level {@link ExtensionContext.Store}, so JUnit closes it even
 * if {@link #afterAll} is never reached. {@code @Nested} classes share the server of
 * their enclosing class, because the store looks values up in parent contexts.
 * <pre>{@code
 * @ExtendWith(RedisServerExtension.class)
 * class MyTests {
 *     MyTests(RedisServerProcess redis) { ... }
 * }
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

	private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
		.create(RedisServerExtension.class);

	private static final String KEY = "server";

	@Override
	public void beforeAll(ExtensionContext context) {
		server(context);
	}

	@Override
	public void afterAll(ExtensionContext context) {
		// remove() only touches this level, so a nested class never closes its parent's server
		RedisServerProcess server = context.getStore(NAMESPACE).remove(KEY, RedisServerProcess.class);
		if (server != null) {
			server.close();
		}
	}

	@Override
	public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		return parameterContext.getParameter().getType() == RedisServerProcess.class;
	}

	@Override
	public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
		// With PER_CLASS lifecycle the constructor is resolved before beforeAll runs, so
		// resolution may have to start the server itself.
		return server(extensionContext);
	}

	private static RedisServerProcess server(ExtensionContext context) {
		return classContext(context).getStore(NAMESPACE)
			.computeIfAbsent(KEY, (key) -> RedisServerProcess.start(), RedisServerProcess.class);
	}

	/** Stores the server at class level even when first asked for from a method. */
	private static ExtensionContext classContext(ExtensionContext context) {
		ExtensionContext current = context;
		while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
			current = current.getParent().get();
		}
		return current;
	}

}
