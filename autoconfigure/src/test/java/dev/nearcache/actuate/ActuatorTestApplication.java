package dev.nearcache.actuate;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

/**
 * A web application with Actuator and one {@code @Cacheable} service, as an operator's service would be.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
class ActuatorTestApplication {

	@Bean
	ProductService productService() {
		return new ProductService();
	}

	static class ProductService {

		final AtomicInteger loads = new AtomicInteger();

		@Cacheable("products")
		public String find(Long id) {
			this.loads.incrementAndGet();
			return "product-" + id;
		}

		@Cacheable("prices")
		public String price(Long id) {
			return id + ".00";
		}

	}

}
