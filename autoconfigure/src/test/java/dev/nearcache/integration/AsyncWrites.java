package dev.nearcache.integration;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;

/**
 * Writes that run on Spring Boot's application task executor ({@code @Async}): slow, then a rename (a
 * {@code @CachePut}). Added to an {@link Instance}.
 */
@Configuration(proxyBeanMethods = false)
@EnableAsync
class AsyncWrites {

	/** Tasks that started. */
	static final AtomicInteger started = new AtomicInteger();

	/** Tasks that finished their write. */
	static final AtomicInteger finished = new AtomicInteger();

	/** Registered as a member class of this configuration. */
	@Component
	static class Writer {

		private final CatalogTestApplication.ProductService service;

		Writer(CatalogTestApplication.ProductService service) {
			this.service = service;
		}

		@Async
		public void rename(Long id, String name) {
			started.incrementAndGet();
			LockSupport.parkNanos(1_500_000_000L);
			this.service.rename(id, name);
			finished.incrementAndGet();
		}

	}

}
