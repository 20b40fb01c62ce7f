package dev.nearcache.integration;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A write endpoint as slow as a real one: {@code POST /products/{id}?name=} waits, then renames the product
 * (a {@code @CachePut}, which invalidates the other instances' copies). Added to a web {@link Instance}.
 */
@Configuration(proxyBeanMethods = false)
class SlowWrites {

	/** Requests that entered the endpoint. */
	static final AtomicInteger entered = new AtomicInteger();

	/** How long a write takes before it reaches the cache; set by a test. */
	static volatile long writeMillis = 1500;

	/** Registered as a member class of this configuration. */
	@RestController
	static class WriteController {

		private final CatalogTestApplication.ProductService service;

		WriteController(CatalogTestApplication.ProductService service) {
			this.service = service;
		}

		@PostMapping("/products/{id}")
		String rename(@PathVariable("id") Long id, @RequestParam("name") String name) {
			entered.incrementAndGet();
			LockSupport.parkNanos(writeMillis * 1_000_000);
			return this.service.rename(id, name);
		}

	}

}
