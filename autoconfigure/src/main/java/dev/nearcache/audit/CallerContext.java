package dev.nearcache.audit;

import java.lang.reflect.Method;

import org.jspecify.annotations.Nullable;

import org.springframework.context.i18n.LocaleContext;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * The thread-bound context of a sampled call that the audit carries to its own thread: Spring Security's
 * {@code SecurityContext} (so that {@code @PreAuthorize} decides as it did for the caller) and Spring's locale.
 * Not carried: the web request ({@code RequestContextHolder}) — it is recycled when the request ends, so a
 * request-scoped bean would read another request or fail; the audit lets it fail and counts the sample as
 * skipped. Tenants and other application thread-locals are not known here: opt such methods out with
 * {@code @NoCacheAudit}.
 */
final class CallerContext {

	private static final @Nullable Security SECURITY = Security.load();

	private final @Nullable Object securityContext;

	private final @Nullable LocaleContext locale;

	private CallerContext(@Nullable Object securityContext, @Nullable LocaleContext locale) {
		this.securityContext = securityContext;
		this.locale = locale;
	}

	/** @return the current thread's context */
	static CallerContext capture() {
		return new CallerContext((SECURITY != null) ? SECURITY.get() : null, LocaleContextHolder.getLocaleContext());
	}

	/**
	 * Install this context on the current (audit) thread until the returned scope is closed.
	 * @return the scope to close
	 */
	Scope install() {
		if (SECURITY != null && this.securityContext != null) {
			SECURITY.set(this.securityContext);
		}
		LocaleContextHolder.setLocaleContext(this.locale);
		return () -> {
			if (SECURITY != null) {
				SECURITY.clear();
			}
			LocaleContextHolder.resetLocaleContext();
		};
	}

	/** A context installed on the audit thread. */
	interface Scope extends AutoCloseable {

		@Override
		void close();

	}

	/** Spring Security's holder, by reflection: Spring Security is optional. */
	private record Security(Method getter, Method setter, Method clearer) {

		static @Nullable Security load() {
			String holder = "org.springframework.security.core.context.SecurityContextHolder";
			ClassLoader loader = CallerContext.class.getClassLoader();
			if (!ClassUtils.isPresent(holder, loader)) {
				return null;
			}
			try {
				Class<?> type = ClassUtils.forName(holder, loader);
				Class<?> context = ClassUtils.forName("org.springframework.security.core.context.SecurityContext",
						loader);
				return new Security(type.getMethod("getContext"), type.getMethod("setContext", context),
						type.getMethod("clearContext"));
			}
			catch (ReflectiveOperationException | LinkageError ex) {
				return null;
			}
		}

		@Nullable Object get() {
			return ReflectionUtils.invokeMethod(this.getter, null);
		}

		void set(Object context) {
			ReflectionUtils.invokeMethod(this.setter, null, context);
		}

		void clear() {
			ReflectionUtils.invokeMethod(this.clearer, null);
		}

	}

}
