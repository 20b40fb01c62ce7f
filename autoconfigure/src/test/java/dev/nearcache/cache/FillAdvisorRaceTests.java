package dev.nearcache.cache;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.nearcache.cache.NearCacheInvalidatorTests.RecordingPublisher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code @Cacheable} reads through Spring's cache interceptor and nearcache's two fill advisors, with results
 * completed in a chosen order: a fill is matched to its own read's miss, never another read's, so it is never
 * taken for a write (broadcast) and never checked against another read's stamp.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FillAdvisorRaceTests {

	private AnnotationConfigApplicationContext context;

	private Catalog catalog;

	private RecordingPublisher publisher;

	private NearCache async;

	@BeforeEach
	void start() {
		this.context = new AnnotationConfigApplicationContext(Config.class);
		this.catalog = this.context.getBean(Catalog.class);
		this.publisher = this.context.getBean(RecordingPublisher.class);
		this.async = (NearCache) this.context.getBean(NearCacheManager.class).getCache("async");
	}

	@AfterEach
	void stop() {
		this.context.close();
	}

	/** Defect 1: B misses first, A completes first; B's fill used to find no registration and become a write. */
	@Test
	void outOfOrderAsyncFillsAreBothFillsAndNeitherIsBroadcast() {
		CompletableFuture<String> b = this.catalog.findAsync(1L);
		CompletableFuture<String> a = this.catalog.findAsync(1L);
		CompletableFuture<String> loadOfB = this.catalog.nextCall();
		CompletableFuture<String> loadOfA = this.catalog.nextCall();
		loadOfA.complete("v1");
		loadOfB.complete("v1");
		assertThat(a.join()).isEqualTo("v1");
		assertThat(b.join()).isEqualTo("v1");
		assertThat(this.publisher.events).as("fills are not writes").isEmpty();
		assertThat(this.async.get(1L, String.class)).isEqualTo("v1");
	}

	/**
	 * Defect 1, the stale half: B missed before an invalidation and completes last with the old row; A missed
	 * after it and read the new row. A's fill is installed, B's is discarded.
	 */
	@Test
	void eachAsyncFillIsCheckedAgainstItsOwnMiss() {
		CompletableFuture<String> b = this.catalog.findAsync(1L);
		CompletableFuture<String> loadOfB = this.catalog.nextCall();
		this.async.applyRemoteInvalidation(List.of("1"));
		CompletableFuture<String> a = this.catalog.findAsync(1L);
		CompletableFuture<String> loadOfA = this.catalog.nextCall();
		loadOfA.complete("new");
		loadOfB.complete("old");
		assertThat(a.join()).isEqualTo("new");
		assertThat(b.join()).isEqualTo("old");
		assertThat(this.async.get(1L, String.class)).as("the load that read the new row stays").isEqualTo("new");
		assertThat(this.publisher.events).isEmpty();
		assertThat(this.async.getStatistics().staleLoadsDiscarded()).isEqualTo(1);
	}

	/**
	 * Defect 2: with misses overlapping without end (request rate × load time > 1) a hot key used to stay uncached
	 * after one invalidation. Some fill that missed after the invalidation installs at once.
	 */
	@Test
	void aHotAsyncKeyIsCachedAgainRightAfterAnInvalidation() {
		this.catalog.findAsync(7L);
		CompletableFuture<String> inFlight = this.catalog.nextCall();
		this.async.applyRemoteInvalidation(List.of("7"));
		int misses = 0;
		while (this.async.get(7L) == null && misses < 10) {
			this.catalog.findAsync(7L);
			CompletableFuture<String> next = this.catalog.nextCall();
			inFlight.complete("v");
			inFlight = next;
			misses++;
		}
		inFlight.complete("v");
		assertThat(misses).as("misses until a fill was installed").isLessThanOrEqualTo(2);
		assertThat(this.async.get(7L, String.class)).isEqualTo("v");
	}

	@Test
	void outOfOrderMonoFillsAreBothFillsAndTheStaleOneIsDiscarded() {
		NearCache mono = (NearCache) this.context.getBean(NearCacheManager.class).getCache("mono");
		CompletableFuture<String> b = this.catalog.findMono(1L).toFuture();
		CompletableFuture<String> loadOfB = this.catalog.nextCall();
		mono.applyRemoteInvalidation(List.of("1"));
		CompletableFuture<String> a = this.catalog.findMono(1L).toFuture();
		CompletableFuture<String> loadOfA = this.catalog.nextCall();
		loadOfA.complete("new");
		loadOfB.complete("old");
		assertThat(a.join()).isEqualTo("new");
		assertThat(b.join()).isEqualTo("old");
		assertThat(mono.get(1L, String.class)).isEqualTo("new");
		assertThat(this.publisher.events).isEmpty();
	}

	/** A write made by the {@code @Cacheable} method itself is a write, not the fill of the read around it. */
	@Test
	void aPutInsideTheCacheableMethodBodyIsAWrite() {
		NearCache sync = (NearCache) this.context.getBean(NearCacheManager.class).getCache("sync");
		this.catalog.rows().put(3L, "row");
		assertThat(this.catalog.findAndWriteThrough(3L)).isEqualTo("row");
		assertThat(this.publisher.events).containsExactly("invalidate sync [3]");
		assertThat(sync.get(3L, String.class)).isEqualTo("row");
	}

	@Test
	void syncFillIsNotBroadcastAndCachePutIs() {
		this.catalog.rows().put(5L, "a");
		assertThat(this.catalog.find(5L)).isEqualTo("a");
		assertThat(this.publisher.events).isEmpty();
		this.catalog.rows().put(5L, "b");
		this.catalog.update(5L);
		assertThat(this.publisher.events).containsExactly("invalidate sync [5]");
		assertThat(this.catalog.find(5L)).isEqualTo("b");
	}

	@Configuration(proxyBeanMethods = false)
	@Import(FillAdvisorsConfiguration.class)
	static class Config {

		@Bean
		Catalog catalog(NearCacheManager cacheManager) {
			return new Catalog(cacheManager);
		}

	}

	static class Catalog {

		private final BlockingQueue<CompletableFuture<String>> calls = new LinkedBlockingQueue<>();

		private final Map<Long, String> rows = new ConcurrentHashMap<>();

		private final NearCacheManager cacheManager;

		Catalog(NearCacheManager cacheManager) {
			this.cacheManager = cacheManager;
		}

		/** The rows, through a method: the test holds the class-based proxy, whose own fields are not set. */
		public Map<Long, String> rows() {
			return this.rows;
		}

		public CompletableFuture<String> nextCall() {
			CompletableFuture<String> call = this.calls.poll();
			assertThat(call).as("the method was called").isNotNull();
			return call;
		}

		@Cacheable("async")
		public CompletableFuture<String> findAsync(long id) {
			CompletableFuture<String> load = new CompletableFuture<>();
			this.calls.add(load);
			return load;
		}

		@Cacheable("mono")
		public Mono<String> findMono(long id) {
			CompletableFuture<String> load = new CompletableFuture<>();
			this.calls.add(load);
			return Mono.fromFuture(load);
		}

		@Cacheable("sync")
		public String find(long id) {
			return this.rows.get(id);
		}

		@CachePut(cacheNames = "sync", key = "#id")
		public String update(long id) {
			return this.rows.get(id);
		}

		@Cacheable(cacheNames = "sync", key = "#id")
		public String findAndWriteThrough(long id) {
			String row = this.rows.get(id);
			// A method that writes the cache itself, as some hand-written read-through code does.
			this.cacheManager.getCache("sync").put(id, row);
			return row;
		}

	}

}
