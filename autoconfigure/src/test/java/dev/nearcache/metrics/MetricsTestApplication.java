package dev.nearcache.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Bean;

/**
 * An application with Actuator, its own {@link SimpleMeterRegistry} and {@code @Cacheable} methods on a cache
 * configured up front ({@code products}) and one created on first use ({@code late}).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
class MetricsTestApplication {

	@Bean
	SimpleMeterRegistry meterRegistry() {
		return new SimpleMeterRegistry();
	}

	@Bean
	ProductService productService() {
		return new ProductService();
	}

	static class ProductService {

		@Cacheable("products")
		public String find(Long id) {
			return "product-" + id;
		}

		@Cacheable("late")
		public String late(Long id) {
			return "late-" + id;
		}

	}

}
