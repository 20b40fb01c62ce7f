package dev.nearcache.cache;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.RemovalCause;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cache.annotation.Cacheable;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.nearcache.cache.NearCacheInvalidatorTests.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Findings of a review of the rewritten cache core: reactive fills from fusable sources, results completed more
 * than once, a clear from the application's own code inside an install, loads whose value was discarded, and
 * bypass with zero-weight values. Each test failed on the code before its fix.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReviewFindingsTests {

	private AnnotationConfigApplicationContext context;

	private Catalog catalog;

	private RecordingPublisher publisher;

	private NearCacheManager manager;

	@BeforeEach
	void start() {
		this.context = new AnnotationConfigApplicationContext(Config.class);
		this.catalog = this.context.getBean(Catalog.class);
		this.publisher = this.context.getBean(RecordingPublisher.class);
		this.manager = this.context.getBean(NearCacheManager.class);
	}

	@AfterEach
	void stop() {
		this.context.close();
	}

	@Test
	void fluxFillFromNonFusableSourceIsNotBroadcast() {
		assertThat(this.catalog.findFluxHidden(1L).collectList().block()).containsExactly("a", "b");
		assertThat(this.publisher.events).as("a fill is not a write").isEmpty();
	}

	/** Spring's publish() fused with a fusable source past the scope: the put ran with no scope, as a write. */
	@Test
	void fluxFillFromFusableSourceIsNotBroadcast() {
		assertThat(this.catalog.findFlux(1L).collectList().block()).containsExactly("a", "b");
		assertThat(this.publisher.events).as("a fill is not a write").isEmpty();
	}

	@Test
	void fluxFillOlderThanAnInvalidationIsNotInstalled() {
		NearCache flux = this.manager.getCache("flux");
		Flux<String> result = this.catalog.findFlux(2L);
		flux.applyRemoteInvalidation(List.of("2"));
		result.collectList().block();
		assertThat(flux.get(2L)).as("a value read before the invalidation").isNull();
	}

	/** Each subscription of a Mono result puts again: each is the fill of the same miss, none is a write. */
	@Test
	void aMonoResultSubscribedTwiceIsNotBroadcast() {
		Mono<String> result = this.catalog.findMono(5L);
		assertThat(result.block()).isEqualTo("m");
		assertThat(result.block()).isEqualTo("m");
		assertThat(this.publisher.events).as("fills are not writes").isEmpty();
	}

	/** A clear from the application's removal listener, run inline inside an install, used to wait for itself. */
	@Test
	void aRemovalListenerThatClearsDoesNotDeadlock() throws Exception {
		NearCache[] holder = new NearCache[1];
		CaffeineOptions options = new CaffeineOptions().executor(Runnable::run)
			.removalListener((Object key, Object value, RemovalCause cause) -> {
				if (cause == RemovalCause.SIZE) {
					holder[0].clear();
				}
			});
		NearCacheSettings settings = new NearCacheSettings("c", Duration.ofMinutes(5), Duration.ofSeconds(30), 1,
				true, true);
		holder[0] = new NearCache(settings, new KeyCanonicalizer(), InvalidationPublisher.NONE, options);
		Thread loader = new Thread(() -> {
			for (long i = 0; i < 20; i++) {
				long key = i;
				holder[0].get(key, () -> "v" + key);
			}
		});
		loader.setDaemon(true);
		loader.start();
		loader.join(5000);
		assertThat(loader.isAlive()).as("loader stuck in clear() under the install lock").isFalse();
	}

	/** A get(key, Callable) load that ran counts as a load even when its value is discarded as stale. */
	@Test
	void aDiscardedLoadIsStillCountedAsALoad() {
		NearCache cache = this.manager.getCache("stats");
		assertThat(cache.get(1L, () -> {
			cache.applyRemoteInvalidation(List.of("1"));
			return "v";
		})).isEqualTo("v");
		assertThat(cache.getStatistics().staleLoadsDiscarded()).isEqualTo(1);
		assertThat(cache.getStatistics().loads() + cache.getStatistics().loadFailures()).as("loads that ran")
			.isEqualTo(1);
	}

	/** Bypass was a maximum of 0, and Caffeine never evicts entries an application weigher weighs 0. */
	@Test
	void aBypassingCacheCachesNothingEvenWithZeroWeights() {
		CaffeineOptions options = new CaffeineOptions().executor(Runnable::run)
			.weigher((Object key, Object value) -> 0, 1000);
		NearCacheSettings settings = new NearCacheSettings("w", Duration.ofMinutes(5), Duration.ofSeconds(30), 1000,
				true, true);
		NearCache cache = new NearCache(settings, new KeyCanonicalizer(), InvalidationPublisher.NONE, options);
		cache.degrade(DegradedMode.BYPASS, Duration.ofSeconds(5));
		cache.get(1L, () -> "v");
		cache.put(2L, "w");
		cache.getNativeCache().cleanUp();
		assertThat(cache.get(1L)).as("loaded while bypassing").isNull();
		assertThat(cache.get(2L)).as("written while bypassing").isNull();
	}

	@Configuration(proxyBeanMethods = false)
	@Import(FillAdvisorsConfiguration.class)
	static class Config {

		@Bean
		Catalog catalog() {
			return new Catalog();
		}

	}

	static class Catalog {

		@Cacheable("flux")
		public Flux<String> findFlux(long id) {
			return Flux.fromIterable(List.of("a", "b"));
		}

		@Cacheable("fluxHidden")
		public Flux<String> findFluxHidden(long id) {
			return Flux.fromIterable(List.of("a", "b")).hide();
		}

		@Cacheable("mono")
		public Mono<String> findMono(long id) {
			return Mono.just("m");
		}

	}

}
