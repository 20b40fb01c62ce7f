package dev.nearcache.benchmarks;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.github.benmanes.caffeine.cache.Caffeine;
import dev.nearcache.audit.AuditAction;
import dev.nearcache.audit.CacheAuditAdvisor;
import dev.nearcache.audit.CacheAuditPolicy;
import dev.nearcache.audit.JsonTreeComparator;
import dev.nearcache.audit.StaleReadAuditor;
import dev.nearcache.benchmarks.support.KeySpace;
import dev.nearcache.cache.AuditResult;
import dev.nearcache.cache.AuditStatistics;
import dev.nearcache.cache.CacheFillAdvisor;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.AnnotationCacheOperationSource;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.cache.interceptor.SimpleKeyGenerator;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.context.expression.BeanFactoryResolver;

/**
 * A warm hit end to end through a {@code @Cacheable} proxy: {@code Catalog.find(Long)} on a Spring context with
 * {@code @EnableCaching} and either nearcache (its {@link NearCacheManager}, local only, plus the
 * {@link CacheFillAdvisor} the starter registers around every {@code @Cacheable} method, ordered as the starter
 * orders it) or Spring's {@link CaffeineCacheManager} over the same Caffeine settings (maximum size 100,000, five
 * minutes after write, statistics). Long keys, uniform, all 10,000 present; the method body never runs after
 * the warm-up (checked).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheableProxyBenchmark {

	@Param({ "nearcache", "caffeineCacheManager", "nearcacheWithoutFillAdvisor" })
	public String cacheManager;

	/**
	 * The stale-read audit's sample rate for {@code nearcache} ({@code -p auditSampleRate=0,0.001,0.01}); at 0 the
	 * audit's advisor is not registered, as the starter leaves it off every method of an unaudited cache.
	 */
	@Param("0")
	public String auditSampleRate;

	static volatile double auditRate;

	private long auditStartNanos;

	private AnnotationConfigApplicationContext context;

	private KeySpace keySpace;

	private Catalog catalog;

	@Setup(Level.Trial)
	public void start() {
		this.keySpace = KeySpace.create("long", "uniform");
		this.context = new AnnotationConfigApplicationContext();
		auditRate = Double.parseDouble(this.auditSampleRate);
		boolean audited = auditRate > 0 && this.cacheManager.equals("nearcache");
		this.context.register(Catalog.class, switch (this.cacheManager) {
			case "nearcache" -> audited ? NearCacheAuditConfig.class : NearCacheConfig.class;
			case "nearcacheWithoutFillAdvisor" -> NearCacheManagerOnlyConfig.class;
			default -> CaffeineConfig.class;
		});
		this.context.refresh();
		this.catalog = this.context.getBean(Catalog.class);
		checkSameSettings(this.context.getBean(CacheManager.class).getCache("bench"));
		boolean fillAdvisor = false;
		for (Advisor advisor : ((Advised) this.catalog).getAdvisors()) {
			fillAdvisor |= advisor instanceof CacheFillAdvisor;
		}
		if (fillAdvisor != this.cacheManager.equals("nearcache")) {
			throw new IllegalStateException("CacheFillAdvisor applied: " + fillAdvisor);
		}
		Object[] keys = this.keySpace.keys();
		Map<Object, byte[]> values = new HashMap<>();
		for (int i = 0; i < keys.length; i++) {
			values.put(keys[i], KeySpace.value(i));
		}
		this.catalog.values(values);
		for (Object key : keys) {
			this.catalog.find((Long) key);
		}
		long loads = this.catalog.loads();
		for (Object key : keys) {
			this.catalog.find((Long) key);
		}
		if (!audited && (loads != keys.length || this.catalog.loads() != loads)) {
			throw new IllegalStateException("Not warm: " + loads + " then " + this.catalog.loads());
		}
		this.auditStartNanos = System.nanoTime();
		this.auditLoadsAtStart = this.catalog.loads();
	}

	private long auditLoadsAtStart;

	/**
	 * Both cache managers must hold the same Caffeine limits: maximum size {@link SpringCacheHitBenchmark#MAXIMUM_SIZE}
	 * and an expire-after-write of {@link SpringCacheHitBenchmark#TTL}. Printed once per trial (the run's log
	 * shows it), and the trial fails if they differ. A cache on a variable expiry (no fixed TTL to read) is printed
	 * as such and not failed: its TTL is the settings' one, which the benchmark passes. Since issue 19 a
	 * {@link NearCache} measures its TTL itself (its Caffeine store has no expiry): its TTL is read from its
	 * settings.
	 */
	static void checkSameSettings(org.springframework.cache.Cache cache) {
		if (!(cache.getNativeCache() instanceof com.github.benmanes.caffeine.cache.Cache<?, ?> caffeine)) {
			throw new IllegalStateException("Not a Caffeine cache: " + cache.getNativeCache());
		}
		var policy = caffeine.policy();
		Duration ttl = policy.expireAfterWrite().map((expiry) -> expiry.getExpiresAfter())
			.orElse((cache instanceof NearCache near) ? near.getSettings().ttl() : null);
		boolean variable = ttl == null && policy.expireVariably().isPresent();
		long maximum = policy.eviction().map((eviction) -> eviction.getMaximum()).orElse(-1L);
		System.out.printf("%ncache settings: expireAfterWrite=%s maximumSize=%d%n", variable ? "variable" : ttl,
				maximum);
		if ((!variable && !SpringCacheHitBenchmark.TTL.equals(ttl)) || maximum != SpringCacheHitBenchmark.MAXIMUM_SIZE) {
			throw new IllegalStateException("Not the benchmark's settings: expireAfterWrite=" + ttl + ", maximumSize="
					+ maximum + " (expected " + SpringCacheHitBenchmark.TTL + ", " + SpringCacheHitBenchmark.MAXIMUM_SIZE
					+ ")");
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		if (auditRate > 0 && this.cacheManager.equals("nearcache")) {
			// The audit's cost on the source of truth: the method bodies it ran again, per second of the trial.
			double seconds = (System.nanoTime() - this.auditStartNanos) / 1e9;
			long extra = this.catalog.loads() - this.auditLoadsAtStart;
			AuditStatistics audit = ((NearCache) this.context.getBean(CacheManager.class).getCache("bench"))
				.getStatistics()
				.audit();
			System.out.printf("%naudit sample rate %s: %d extra loads in %.1f s = %.0f loads/s on the source of truth; "
					+ "samples match=%d skipped=%d error=%d%n", this.auditSampleRate, extra, seconds, extra / seconds,
					audit.samples(AuditResult.MATCH), audit.samples(AuditResult.SKIPPED),
					audit.samples(AuditResult.ERROR));
			this.context.close();
			return;
		}
		if (this.catalog.loads() != KeySpace.KEYS) {
			throw new IllegalStateException("Misses during the run: " + (this.catalog.loads() - KeySpace.KEYS));
		}
		this.context.close();
	}

	@Benchmark
	public byte[] find(Cursor cursor) {
		return this.catalog.find((Long) this.keySpace.key(cursor.next++));
	}

	/** Where one thread is in the key sequence; threads start at different places. */
	@State(Scope.Thread)
	public static class Cursor {

		int next = ThreadLocalRandom.current().nextInt();

	}

	/** The cached service. */
	public static class Catalog {

		final AtomicLong loads = new AtomicLong();

		volatile Map<Object, byte[]> values;

		// Through the proxy (a CGLIB subclass whose own fields are unused): methods, not fields.
		public void values(Map<Object, byte[]> values) {
			this.values = values;
		}

		public long loads() {
			return this.loads.get();
		}

		@Cacheable("bench")
		public byte[] find(Long id) {
			this.loads.incrementAndGet();
			return this.values.get(id);
		}

	}

	/**
	 * Diagnosis only: nearcache's cache manager without the starter's fill advisor (not a supported setup: every
	 * {@code @Cacheable} fill would then be broadcast as a write), to split the proxy cost between the two.
	 */
	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class NearCacheManagerOnlyConfig {

		@Bean
		CacheManager cacheManager() {
			return nearCacheManager();
		}

	}

	static CacheManager nearCacheManager() {
		NearCacheSettings settings = new NearCacheSettings("bench", SpringCacheHitBenchmark.TTL,
				SpringCacheHitBenchmark.NULL_TTL, SpringCacheHitBenchmark.MAXIMUM_SIZE, true, true);
		return new NearCacheManager(settings, java.util.List.of(settings), true, new KeyCanonicalizer(),
				InvalidationPublisher.NONE);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class NearCacheConfig {

		@Bean
		CacheManager cacheManager() {
			return nearCacheManager();
		}

		/** As CacheFillConfiguration registers it: one step outside Spring's cache advisor (default order). */
		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static CacheFillAdvisor nearCacheFillAdvisor() {
			return new CacheFillAdvisor(new AnnotationCacheOperationSource(false),
					() -> org.springframework.core.Ordered.LOWEST_PRECEDENCE);
		}

	}

	/** {@link NearCacheConfig} plus the stale-read audit as {@code CacheAuditConfiguration} registers it. */
	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class NearCacheAuditConfig {

		@Bean
		CacheManager cacheManager() {
			return nearCacheManager();
		}

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static CacheFillAdvisor nearCacheFillAdvisor() {
			return new CacheFillAdvisor(new AnnotationCacheOperationSource(false),
					() -> org.springframework.core.Ordered.LOWEST_PRECEDENCE);
		}

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static CacheAuditAdvisor nearCacheAuditAdvisor(BeanFactory beanFactory) {
			CacheAuditPolicy policy = new CacheAuditPolicy(auditRate, AuditAction.REPORT, null);
			return new CacheAuditAdvisor(new AnnotationCacheOperationSource(false),
					() -> org.springframework.core.Ordered.LOWEST_PRECEDENCE, (name) -> policy,
					() -> beanFactory.getBean(StaleReadAuditor.class));
		}

		@Bean
		StaleReadAuditor staleReadAuditor(CacheManager cacheManager, BeanFactory beanFactory) {
			CacheAuditPolicy policy = new CacheAuditPolicy(auditRate, AuditAction.REPORT, null);
			return StaleReadAuditor.create((NearCacheManager) cacheManager, (name) -> policy,
					new JsonTreeComparator(JsonMapper.builder().build()), (name) -> {
						throw new IllegalStateException("no comparator " + name);
					}, (name) -> new SimpleKeyGenerator(), new BeanFactoryResolver(beanFactory),
					new StaleReadAuditor.Settings(2, 100, Duration.ofMillis(4100), Duration.ofSeconds(10), 100));
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CaffeineConfig {

		@Bean
		CacheManager cacheManager() {
			CaffeineCacheManager manager = new CaffeineCacheManager("bench");
			manager.setCaffeine(Caffeine.newBuilder()
				.maximumSize(SpringCacheHitBenchmark.MAXIMUM_SIZE)
				.expireAfterWrite(SpringCacheHitBenchmark.TTL)
				.recordStats());
			return manager;
		}

	}

}
