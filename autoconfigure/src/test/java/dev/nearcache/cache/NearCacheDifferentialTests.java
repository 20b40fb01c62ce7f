package dev.nearcache.cache;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.cache.Cache.ValueRetrievalException;
import org.springframework.cache.Cache.ValueWrapper;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCache;
import org.springframework.cache.interceptor.CacheErrorHandler;
import org.springframework.cache.interceptor.LoggingCacheErrorHandler;
import org.springframework.cache.interceptor.SimpleKey;
import org.springframework.cache.support.NullValue;
import org.springframework.cache.support.SimpleCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.util.ReflectionTestUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Differential tests: seeded random sequences of every operation of Spring's
 * {@link org.springframework.cache.Cache} run on a {@link NearCache} and on Spring's {@link CaffeineCache}, and
 * every result, the cache contents, what was published and the reverse index are compared after each step.
 * <p>
 * The model is the oracle plus nearcache's documented rules:
 * <ul>
 * <li>a write ({@code put}, a {@code putIfAbsent} that stores) and an eviction reach every key of the same
 * canonical form ({@code 1L}, {@code 1}, {@code "1"}; {@code SimpleKey(1L,"a")}, {@code SimpleKey(1,"a")},
 * {@code "[\"1\",\"a\"]"}; {@code SimpleKey.EMPTY}, {@code "[]"}); {@code evictIfPresent} answers whether any of
 * them was present; both publish the form, a {@code clear} publishes a clear, loads publish nothing;</li>
 * <li>a remote invalidation, {@code evictLocally} and {@code evictCanonicalLocally} evict every key of the form,
 * and publish nothing;</li>
 * <li>the {@code put} that fills a {@code @Cacheable} miss (framed as nearcache's advisors frame it) evicts no other
 * key of the form and publishes nothing;</li>
 * <li>a load ({@code get(key, Callable)}, {@code retrieve(key, Supplier)}, a fill) whose key's form was
 * invalidated or written (including by a {@code putIfAbsent} that kept the present value) or whose cache was
 * cleared while it loaded returns its value but does not install it;</li>
 * <li>a cached null past its null TTL reads as a miss; {@code put(key, NullValue.INSTANCE)} reads back as null.</li>
 * </ul>
 * Deliberate differences from {@code CaffeineCache}: while an asynchronous load is in flight, {@code retrieve(key)}
 * misses and {@code putIfAbsent} stores (the oracle never holds an incomplete future: the model keeps those loads
 * itself); {@code get(key, Callable)} joins an in-flight load only if its key was not invalidated since the load
 * started (a joinable asynchronous load is completed first, since this test is single-threaded); a loader that reads
 * its own key loads again instead of failing with "Recursive update"; with nulls not allowed,
 * {@code putIfAbsent(key, null)} is refused even when the key is present (as by Spring's {@code ConcurrentMapCache}).
 * <p>
 * A failure names its configuration and seed; replay one sequence with
 * {@code -Dnearcache.differential.seed=<seed>}. Run more or longer sequences with
 * {@code -Dnearcache.differential.seeds=<count>} and {@code -Dnearcache.differential.steps=<count>} (200 of 60 steps
 * per configuration by default).
 */
class NearCacheDifferentialTests {

	private static final int SEEDS = Integer.getInteger("nearcache.differential.seeds", 200);

	private static final int STEPS = Integer.getInteger("nearcache.differential.steps", 60);

	private static final String NAME = "diff";

	private static final Duration DEADLINE = Duration.ofSeconds(5);

	/** Caffeine logs every failed asynchronous load of the oracle at WARNING: the failures are the test's own. */
	private static final java.util.logging.Logger ASYNC_LOAD_LOGGER = quiet(
			"com.github.benmanes.caffeine.cache.LocalAsyncCache");

	private static final KeyCanonicalizer CANONICALIZER = new KeyCanonicalizer();

	/** Keys whose canonical forms clash: a String spelling each composite form, numbers of three types. */
	private static final List<Object> KEYS = List.of(1L, 1, "1", "01", 2L, "b", "[]", SimpleKey.EMPTY,
			new SimpleKey(1L, "a"), new SimpleKey(1, "a"), new SimpleKey("1", "a"),
			CANONICALIZER.canonicalize(new SimpleKey(1L, "a")), new SimpleKey(2L, null));

	/** Every form of the keys, and one that matches none. */
	private static final List<String> FORMS = forms();

	@ParameterizedTest
	@EnumSource(Config.class)
	void randomSequencesAgreeWithCaffeineCacheAndTheDocumentedRules(Config config) {
		Long only = Long.getLong("nearcache.differential.seed");
		LongStream seeds = (only != null) ? LongStream.of(only) : LongStream.range(0, SEEDS);
		seeds.forEach((seed) -> {
			Sequence sequence = new Sequence(config, seed);
			try {
				sequence.run();
			}
			catch (Throwable ex) {
				throw new AssertionError("%s, seed %d (replay with -Dnearcache.differential.seed=%d):%n%s"
					.formatted(config, seed, seed, String.join(System.lineSeparator(), sequence.log)), ex);
			}
		});
	}

	@Test
	void formsOfTheKeySpaceShareNoStripe() {
		// The model tracks a stamp per form; a collision would discard loads the model expects to install.
		InvalidationStamps stamps = new InvalidationStamps(Config.MAXIMUM_SIZE);
		for (String form : FORMS) {
			Map<String, Long> before = FORMS.stream().collect(Collectors.toMap((f) -> f, stamps::stamp));
			stamps.invalidating(form);
			for (String other : FORMS) {
				assertThat(stamps.movedSince(other, before.get(other))).as("%s moved by %s", other, form)
					.isEqualTo(other.equals(form));
			}
		}
	}

	// --- found by differential testing ---

	@ParameterizedTest
	@EnumSource(MaintenanceOrder.class)
	void evictThenPutOfCompositeKeyIsFoundByRemoteInvalidation(MaintenanceOrder order) {
		// Old code: the index entry was dropped by Caffeine's removal notice of the evict, on the common pool; when
		// the second put indexed the key while that notice was between "the key is gone" and dropping the form's
		// set, the key was lost from the index and the remote invalidation missed it. Now the index changes only
		// inside the compute that changes the entry, whatever Caffeine's maintenance does and whenever it runs.
		List<Runnable> deferred = new ArrayList<>();
		Executor maintenance = (order == MaintenanceOrder.AT_ONCE) ? Runnable::run : deferred::add;
		NearCache cache = new NearCache(Config.NULLS_LIVE_AS_LONG_AS_VALUES.settings(), new KeyCanonicalizer(),
				InvalidationPublisher.NONE, maintenance);
		SimpleKey key = new SimpleKey(1L, "a");
		cache.put(key, "x");
		cache.evict(key);
		cache.put(key, "y");
		if (order == MaintenanceOrder.AFTER_THE_SECOND_PUT) {
			runAll(deferred);
		}
		assertThat(cache.applyRemoteInvalidation(List.of("[\"1\",\"a\"]"))).isOne();
		runAll(deferred);
		assertThat(cache.get(key)).isNull();
		assertThat(cache.getNativeCache().asMap()).isEmpty();
	}

	private static void runAll(List<Runnable> deferred) {
		while (!deferred.isEmpty()) {
			deferred.remove(0).run();
		}
	}

	/** When Caffeine's deferred maintenance runs. */
	enum MaintenanceOrder {

		AT_ONCE, AFTER_THE_SECOND_PUT, AFTER_THE_REMOTE_INVALIDATION

	}

	@Test
	void loaderMayWriteAndEvictKeysOfOtherFormsSharingAHashBin() {
		// Old code: the eviction of SimpleKey.EMPTY probed the String key "[]" inside the Caffeine compute that
		// loaded "b", whose hash bin it shares: "Recursive update".
		NearCache cache = new NearCache(Config.NULLS_LIVE_AS_LONG_AS_VALUES.settings(), new KeyCanonicalizer(),
				InvalidationPublisher.NONE, Runnable::run);
		assertThatNoException().isThrownBy(() -> cache.get("b", () -> {
			cache.put(SimpleKey.EMPTY, "empty");
			cache.evict(SimpleKey.EMPTY);
			cache.put(SimpleKey.EMPTY, "again");
			return "b";
		}));
		assertThat(cache.get("b", String.class)).isEqualTo("b");
		assertThat(cache.get(SimpleKey.EMPTY, String.class)).isEqualTo("again");
	}

	@ParameterizedTest
	@EnumSource(value = Config.class, mode = EnumSource.Mode.EXCLUDE, names = { "NO_NULLS", "NULLS_ALREADY_EXPIRED" })
	void putOfNullValueReadsBackAsNull(Config config) {
		NearCache cache = new NearCache(config.settings(), new KeyCanonicalizer(), InvalidationPublisher.NONE,
				Runnable::run);
		cache.put(1L, NullValue.INSTANCE);
		assertThat(cache.get(1L)).isNotNull().extracting(ValueWrapper::get).isNull();
		assertThat(cache.get(1L, Object.class)).isNull();
		assertThat(cache.retrieve(1L))
			.isCompletedWithValueMatching((wrapper) -> ((ValueWrapper) wrapper).get() == null);
		assertThat(cache.putIfAbsent(1L, "other")).isNotNull().extracting(ValueWrapper::get).isNull();
	}

	@Test
	void supplierThatThrowsAnErrorLeavesNoLoadToWaitFor() {
		// Spring's CaffeineCache lets the Error through and keeps nothing; a load left in flight would make every
		// later reader of the key wait forever.
		NearCache cache = sameThreadCache();
		assertThatThrownBy(() -> cache.retrieve(1L, () -> {
			throw new AssertionError("supplier failed");
		})).isInstanceOf(AssertionError.class);
		assertThat(cache.loadsInFlight()).isZero();
		assertTimeoutPreemptively(DEADLINE, () -> assertThat(cache.get(1L, () -> "loaded")).isEqualTo("loaded"));
	}

	@Test
	void supplierThatThrowsThrowsToTheCaller() {
		// As from Spring's caches: Spring's cache interceptor unwraps the exception of a sync = true async method
		// there, and takes a failed future for a cache error.
		NearCache cache = sameThreadCache();
		assertThatThrownBy(() -> cache.retrieve(1L, () -> {
			throw new UncheckedFailure("supplier failed");
		})).isInstanceOf(UncheckedFailure.class);
		assertThat(cache.loadsInFlight()).isZero();
		assertThat(cache.retrieve(1L, () -> CompletableFuture.completedFuture("loaded")))
			.isCompletedWithValue("loaded");
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void syncAsyncMethodThatThrowsBehavesAsWithCaffeineCacheThroughSpringsInterceptor(boolean lenientErrorHandler) {
		// A failed future from retrieve(key, Supplier) was taken for a cache error by Spring's interceptor: the
		// caller got a failed future holding Spring's ThrowableWrapper instead of the method's exception.
		CaffeineCache caffeine = new CaffeineCache(NAME, Caffeine.newBuilder().buildAsync(), true);
		assertThat(callThrowingMethod(sameThreadCache(), lenientErrorHandler))
			.isEqualTo(callThrowingMethod(caffeine, lenientErrorHandler));
	}

	private static String callThrowingMethod(org.springframework.cache.Cache cache, boolean lenientErrorHandler) {
		try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
			context.registerBean(org.springframework.cache.Cache.class, () -> cache);
			context.register(lenientErrorHandler ? LenientInterceptedCatalogConfiguration.class
					: InterceptedCatalogConfiguration.class);
			context.refresh();
			InterceptedCatalog catalog = context.getBean(InterceptedCatalog.class);
			String outcome;
			try {
				outcome = "returned " + normalize(catalog.find(1L));
			}
			catch (RuntimeException ex) {
				outcome = "threw " + ex;
			}
			return outcome + ", method called " + catalog.calls() + " times";
		}
	}

	@Test
	void supplierThatReturnsNoFutureLeavesNoLoadToWaitFor() {
		NearCache cache = sameThreadCache();
		assertTimeoutPreemptively(DEADLINE, () -> assertThatThrownBy(() -> cache.retrieve(1L, () -> null))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("returned null instead of a CompletableFuture"));
		assertThat(cache.loadsInFlight()).isZero();
		assertTimeoutPreemptively(DEADLINE, () -> assertThat(cache.get(1L, () -> "loaded")).isEqualTo("loaded"));
	}

	@Test
	void supplierThatReadsItsOwnKeyLoadsAgainInsteadOfWaitingForItself() {
		// An async @Cacheable method calling a sync @Cacheable method of the same cache and key: Spring's
		// CaffeineCache fails with "Recursive update"; waiting for the load that is calling would never end.
		NearCache cache = sameThreadCache();
		CompletableFuture<Object> result = assertTimeoutPreemptively(DEADLINE, () -> cache.retrieve(1L,
				() -> CompletableFuture.completedFuture(cache.get(1L, () -> "inner"))));
		assertThat(result).isCompletedWithValue("inner");
		assertThat(cache.get(1L, String.class)).isEqualTo("inner");
		assertThat(cache.loadsInFlight()).isZero();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class InterceptedCatalogConfiguration implements CachingConfigurer {

		@Bean
		static CacheManager cacheManager(org.springframework.cache.Cache cache) {
			SimpleCacheManager manager = new SimpleCacheManager();
			manager.setCaches(List.of(cache));
			return manager;
		}

		@Bean
		static InterceptedCatalog catalog() {
			return new InterceptedCatalog();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LenientInterceptedCatalogConfiguration extends InterceptedCatalogConfiguration {

		@Override
		public CacheErrorHandler errorHandler() {
			return new LoggingCacheErrorHandler();
		}

	}

	/** A {@code sync = true} asynchronous method whose body throws before it returns a future. */
	static class InterceptedCatalog {

		private final AtomicInteger calls = new AtomicInteger();

		@Cacheable(cacheNames = NAME, sync = true)
		public CompletableFuture<String> find(long id) {
			this.calls.incrementAndGet();
			throw new UncheckedFailure("not found: " + id);
		}

		int calls() {
			return this.calls.get();
		}

	}

	private static NearCache sameThreadCache() {
		return new NearCache(Config.NULLS_LIVE_AS_LONG_AS_VALUES.settings(), new KeyCanonicalizer(),
				InvalidationPublisher.NONE, Runnable::run);
	}

	private static java.util.logging.Logger quiet(String name) {
		java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
		logger.setLevel(java.util.logging.Level.OFF);
		return logger;
	}

	private static List<String> forms() {
		Set<String> forms = new LinkedHashSet<>();
		KEYS.forEach((key) -> forms.add(CANONICALIZER.canonicalize(key)));
		forms.add("zzz");
		return List.copyOf(forms);
	}

	private static String form(Object key) {
		return CANONICALIZER.canonicalize(key);
	}

	/** The cache configurations every sequence runs on. */
	enum Config {

		NULLS_LIVE_AS_LONG_AS_VALUES(true, Duration.ofMinutes(10), Duration.ofMinutes(10)),

		NULLS_EXPIRE_FIRST(true, Duration.ofMinutes(10), Duration.ofMinutes(5)),

		/** Every cached null is past its null TTL when next read. */
		NULLS_ALREADY_EXPIRED(true, Duration.ofMinutes(10), Duration.ofNanos(1)),

		NULLS_OUTLIVE_VALUES(true, Duration.ofMinutes(5), Duration.ofMinutes(10)),

		NO_NULLS(false, Duration.ofMinutes(10), Duration.ofMinutes(10));

		static final long MAXIMUM_SIZE = 10_000;

		final boolean allowNullValues;

		final Duration ttl;

		final Duration nullTtl;

		Config(boolean allowNullValues, Duration ttl, Duration nullTtl) {
			this.allowNullValues = allowNullValues;
			this.ttl = ttl;
			this.nullTtl = nullTtl;
		}

		NearCacheSettings settings() {
			return new NearCacheSettings(NAME, this.ttl, this.nullTtl, MAXIMUM_SIZE, this.allowNullValues, true);
		}

		boolean nullsExpireAtOnce() {
			return this.allowNullValues && this.nullTtl.compareTo(Duration.ofMillis(1)) < 0;
		}

	}

	/** What a {@code get(key, Callable)} loader does. */
	enum LoaderKind {

		VALUE, NULL, NULL_VALUE, THROWS_CHECKED, THROWS_UNCHECKED, NESTED_CALLS, NESTED_CALLS_THEN_THROWS,
		READS_ITS_OWN_KEY;

		static final List<LoaderKind> SIMPLE = List.of(VALUE, NULL, NULL_VALUE, THROWS_CHECKED, THROWS_UNCHECKED);

	}

	/** What a {@code retrieve(key, Supplier)} supplier returns. */
	enum SupplierKind {

		COMPLETED_VALUE, COMPLETED_NULL, FAILED, THROWS, PENDING

	}

	/** A completed value, or what was thrown. */
	record Outcome(@Nullable Object value, @Nullable Throwable thrown) {

		static Outcome of(Callable<?> action) {
			try {
				return new Outcome(normalize(action.call()), null);
			}
			catch (Throwable ex) {
				return new Outcome(null, ex);
			}
		}

		static Outcome value(@Nullable Object value) {
			return new Outcome(normalize(value), null);
		}

	}

	/** A loader's failure; without a stack trace, which would cost most of a step's time. */
	static final class CheckedFailure extends Exception {

		CheckedFailure(String message) {
			super(message, null, false, false);
		}

	}

	/** A loader's or supplier's unchecked failure; without a stack trace. */
	static final class UncheckedFailure extends RuntimeException {

		UncheckedFailure(String message) {
			super(message, null, false, false);
		}

	}

	record Wrapped(@Nullable Object value) {
	}

	record Failed(Throwable cause) {
	}

	/** Marks an incomplete future. */
	enum Pending {

		PENDING

	}

	/** Replace wrappers and futures by comparable values. */
	static @Nullable Object normalize(@Nullable Object value) {
		if (value instanceof ValueWrapper wrapper) {
			return new Wrapped(normalize(wrapper.get()));
		}
		if (value instanceof CompletableFuture<?> future) {
			if (!future.isDone()) {
				return Pending.PENDING;
			}
			try {
				return normalize(future.join());
			}
			catch (CompletionException ex) {
				return new Failed(ex.getCause());
			}
		}
		return value;
	}

	static void assertSameOutcome(String what, Outcome actual, Outcome expected) {
		if (expected.thrown() != null) {
			assertThat(actual.thrown()).as(what + " throws").isNotNull();
			assertSameFailure(what, actual.thrown(), expected.thrown());
			return;
		}
		if (actual.thrown() != null) {
			throw new AssertionError(what + " threw, expected " + expected.value(), actual.thrown());
		}
		assertThat(actual.value()).as(what).isEqualTo(expected.value());
	}

	private static void assertSameFailure(String what, @Nullable Throwable actual, @Nullable Throwable expected) {
		if (expected == null) {
			assertThat(actual).as(what + " cause").isNull();
			return;
		}
		assertThat(actual).as(what + " failure").isNotNull().isInstanceOf(expected.getClass());
		if (!(expected instanceof ValueRetrievalException)) {
			// Its message names the loader instance, which differs.
			assertThat(actual.getMessage()).as(what + " message").isEqualTo(expected.getMessage());
		}
		assertSameFailure(what, actual.getCause(), expected.getCause());
	}

	/** One asynchronous load the test completes later: the model's view of NearCache's load in flight. */
	static final class AsyncLoad {

		final Object key;

		final String form;

		final long stamp;

		final CompletableFuture<Object> source = new CompletableFuture<>();

		/** The futures NearCache returned for this load. */
		final List<CompletableFuture<?>> waiters = new ArrayList<>();

		AsyncLoad(Object key, long stamp) {
			this.key = key;
			this.form = form(key);
			this.stamp = stamp;
		}

		@Override
		public String toString() {
			return "load of " + this.key;
		}

	}

	/** One random sequence on a NearCache and the model, compared step by step. */
	static final class Sequence {

		final List<String> log = new ArrayList<>();

		private final Config config;

		private final Random random;

		private final NearCacheTests.RecordingPublisher publisher = new NearCacheTests.RecordingPublisher();

		private final NearCache cache;

		private final CacheKeys keys;

		private final Map<String, Set<Object>> reverseIndex;

		/** The oracle: holds completed values only; the model applies the documented rules to it. */
		private final CaffeineCache oracle;

		private final List<NearCacheTests.Event> published = new ArrayList<>();

		private final Map<String, Long> formStamps = new HashMap<>();

		private long floor;

		/** The asynchronous load NearCache would let a caller join, per key. */
		private final Map<Object, AsyncLoad> inFlight = new HashMap<>();

		private final List<AsyncLoad> pending = new ArrayList<>();

		private int values;

		private int depth;

		@SuppressWarnings("unchecked")
		Sequence(Config config, long seed) {
			this.config = config;
			this.random = new Random(seed);
			Executor sameThread = Runnable::run;
			this.cache = new NearCache(config.settings(), new KeyCanonicalizer(), this.publisher, sameThread);
			this.oracle = new CaffeineCache(NAME, Caffeine.newBuilder().executor(sameThread).buildAsync(),
					config.allowNullValues);
			this.keys = (CacheKeys) ReflectionTestUtils.getField(this.cache, "keys");
			this.reverseIndex = (Map<String, Set<Object>>) ReflectionTestUtils.getField(this.keys, "reverseIndex");
		}

		void run() {
			for (int i = 0; i < STEPS; i++) {
				step(null);
				checkState();
			}
			while (!this.pending.isEmpty()) {
				complete(this.pending.get(0), "value");
				checkState();
			}
			for (String form : FORMS) {
				remote(List.of(form));
			}
			checkState();
			assertThat(this.cache.getNativeCache().asMap()).as("entries after every form was invalidated").isEmpty();
			assertThat(reverseIndex()).as("reverse index after every form was invalidated").isEmpty();
			assertThat(this.cache.loadsInFlight()).as("loads in flight").isZero();
		}

		/** One random operation; inside a loader ({@code excluded} is the key loading) on other keys only. */
		private void step(@Nullable Object excluded) {
			Object key = anyKeyBut(excluded);
			int dice = this.random.nextInt(103);
			if (dice < 8) {
				get(key);
			}
			else if (dice < 12) {
				getTyped(key);
			}
			else if (dice < 28) {
				getLoading(key, anyLoader());
			}
			else if (dice < 34) {
				retrieve(key);
			}
			else if (dice < 47) {
				retrieveLoading(key, SupplierKind.values()[this.random.nextInt(SupplierKind.values().length)]);
			}
			else if (dice < 54) {
				if (!this.pending.isEmpty()) {
					complete(this.pending.get(this.random.nextInt(this.pending.size())),
							pick("value", "null", "failure"));
				}
			}
			else if (dice < 66) {
				put(key, anyValue());
			}
			else if (dice < 72) {
				putIfAbsent(key, anyValue());
			}
			else if (dice < 78) {
				evict(key, false);
			}
			else if (dice < 83) {
				evict(key, true);
			}
			else if (dice < 85) {
				clear(this.random.nextBoolean());
			}
			else if (dice < 93) {
				fill(key);
			}
			else if (dice < 95) {
				evictLocally(key, this.random.nextBoolean());
			}
			else {
				List<String> forms = new ArrayList<>();
				for (int i = this.random.nextInt(3); i >= 0; i--) {
					forms.add(FORMS.get(this.random.nextInt(FORMS.size())));
				}
				remote(forms);
			}
		}

		// --- operations: each runs on the NearCache and on the model, and compares ---

		private void get(Object key) {
			log("get(%s)", key);
			assertSameOutcome("get(" + key + ")", Outcome.of(() -> this.cache.get(key)),
					Outcome.of(() -> this.oracle.get(key)));
		}

		private void getTyped(Object key) {
			Class<?> type = pick(String.class, Object.class, Integer.class);
			log("get(%s, %s)", key, type.getSimpleName());
			assertSameOutcome("get(" + key + ", type)", Outcome.of(() -> this.cache.get(key, type)),
					Outcome.of(() -> this.oracle.get(key, type)));
		}

		private void getLoading(Object key, LoaderKind kind) {
			AsyncLoad joinable = joinable(key);
			if (joinable != null) {
				// NearCache would wait for it: complete it first (single thread).
				complete(joinable, "value");
			}
			String value = nextValue();
			Exception failure = (kind == LoaderKind.THROWS_UNCHECKED) ? new UncheckedFailure("unchecked " + value)
					: new CheckedFailure("checked " + value);
			log("get(%s, loader %s -> %s)", key, kind, value);
			boolean hit = this.oracle.get(key) != null;
			long stamp = stamp(key);
			boolean[] called = new boolean[1];
			Callable<Object> loader = () -> {
				called[0] = true;
				this.depth++;
				try {
					return load(key, kind, value, failure);
				}
				finally {
					this.depth--;
				}
			};
			Outcome actual = Outcome.of(() -> this.cache.get(key, loader));
			String what = "get(" + key + ", loader)";
			if (hit) {
				assertThat(called[0]).as(what + " called the loader on a hit").isFalse();
				assertSameOutcome(what, actual, Outcome.of(() -> this.oracle.get(key, loader)));
				return;
			}
			assertThat(called[0]).as(what + " called the loader on a miss").isTrue();
			// NearCache's load replaced any asynchronous one in flight, and is over.
			this.inFlight.remove(key);
			// Spring's answer for this load, on a cache that does not have the key.
			CaffeineCache scratch = scratch();
			Outcome expected = Outcome.of(() -> scratch.get(key, () -> result(kind, value, failure)));
			assertSameOutcome(what, actual, expected);
			Object stored = scratch.getNativeCache().getIfPresent(key);
			if (stored != null && stamp(key) == stamp) {
				// A fill: evicts no key of the same form, publishes nothing.
				this.oracle.getNativeCache().put(key, stored);
			}
			else if (stored != null) {
				log("  not installed: %s was invalidated while it loaded", key);
			}
			settle();
		}

		private @Nullable Object load(Object key, LoaderKind kind, String value, Exception failure) throws Exception {
			switch (kind) {
				case NESTED_CALLS, NESTED_CALLS_THEN_THROWS -> {
					for (int i = this.random.nextInt(3); i >= 0; i--) {
						step(key);
					}
				}
				case READS_ITS_OWN_KEY -> getLoading(key, LoaderKind.VALUE);
				default -> {
				}
			}
			return result(kind, value, failure);
		}

		private static @Nullable Object result(LoaderKind kind, String value, Exception failure) throws Exception {
			return switch (kind) {
				case NULL -> null;
				case NULL_VALUE -> NullValue.INSTANCE;
				case THROWS_CHECKED, THROWS_UNCHECKED, NESTED_CALLS_THEN_THROWS -> throw failure;
				default -> value;
			};
		}

		private void retrieve(Object key) {
			log("retrieve(%s)", key);
			assertSameOutcome("retrieve(" + key + ")", Outcome.of(() -> this.cache.retrieve(key)),
					Outcome.of(() -> this.oracle.retrieve(key)));
		}

		private void retrieveLoading(Object key, SupplierKind kind) {
			String value = nextValue();
			RuntimeException failure = new UncheckedFailure("async " + value);
			log("retrieve(%s, supplier %s -> %s)", key, kind, value);
			String what = "retrieve(" + key + ", supplier)";
			boolean[] called = new boolean[1];
			AsyncLoad load = new AsyncLoad(key, stamp(key));
			Supplier<CompletableFuture<Object>> supplier = () -> {
				called[0] = true;
				return switch (kind) {
					case COMPLETED_VALUE -> CompletableFuture.completedFuture(value);
					case COMPLETED_NULL -> CompletableFuture.completedFuture(null);
					case FAILED -> CompletableFuture.failedFuture(failure);
					case THROWS -> throw failure;
					case PENDING -> load.source;
				};
			};
			if (this.oracle.get(key) != null) {
				Outcome actual = Outcome.of(() -> this.cache.retrieve(key, supplier));
				assertThat(called[0]).as(what + " called the supplier on a hit").isFalse();
				assertSameOutcome(what, actual, Outcome.of(() -> this.oracle.retrieve(key, supplier)));
				return;
			}
			AsyncLoad joinable = joinable(key);
			if (joinable != null) {
				CompletableFuture<?> joined = this.cache.retrieve(key, supplier);
				assertThat(called[0]).as(what + " called the supplier while a load was in flight").isFalse();
				assertThat(joined).as(what + " joined " + joinable).isNotDone();
				joinable.waiters.add(joined);
				return;
			}
			if (kind == SupplierKind.PENDING) {
				CompletableFuture<?> started = this.cache.retrieve(key, supplier);
				assertThat(called[0]).as(what + " called the supplier on a miss").isTrue();
				assertThat(started).as(what).isNotDone();
				load.waiters.add(started);
				this.inFlight.put(key, load);
				this.pending.add(load);
				return;
			}
			Outcome actual = Outcome.of(() -> this.cache.retrieve(key, supplier));
			assertThat(called[0]).as(what + " called the supplier on a miss").isTrue();
			this.inFlight.remove(key);
			CaffeineCache scratch = scratch();
			Outcome expected = Outcome.of(() -> scratch.retrieve(key, supplier));
			assertSameOutcome(what, actual, expected);
			Object stored = scratch.getNativeCache().getIfPresent(key);
			if (stored != null) {
				this.oracle.getNativeCache().put(key, stored);
			}
			settle();
		}

		/** Complete an asynchronous load with a value, null or a failure. */
		private void complete(AsyncLoad load, String how) {
			String value = nextValue();
			RuntimeException failure = new UncheckedFailure("async " + value);
			log("complete %s with %s", load, how.equals("value") ? value : how);
			this.pending.remove(load);
			Outcome expected;
			switch (how) {
				case "value" -> {
					load.source.complete(value);
					expected = Outcome.value(value);
				}
				case "null" -> {
					load.source.complete(null);
					expected = Outcome.value(null);
				}
				default -> {
					load.source.completeExceptionally(failure);
					expected = new Outcome(new Failed(failure), null);
				}
			}
			this.inFlight.remove(load.key, load);
			Object result = how.equals("value") ? value : null;
			if (!how.equals("failure") && (result != null || this.config.allowNullValues)) {
				if (stamp(load.key) == load.stamp) {
					this.oracle.put(load.key, result);
				}
				else {
					log("  not installed: %s was invalidated while it loaded", load.key);
				}
			}
			for (CompletableFuture<?> waiter : load.waiters) {
				assertSameOutcome("future of " + load, Outcome.value(waiter), expected);
			}
			settle();
		}

		/**
		 * A {@code @Cacheable} read as nearcache's advisors frame it: a miss, the method body (whose cache calls
		 * are no fill), and the put of its result, which fills the miss: installed only if the key was not
		 * invalidated since the miss, evicts no other key of the form, publishes nothing.
		 */
		private void fill(Object key) {
			@Nullable Object value = anyValue();
			log("fill(%s, %s)", key, value);
			FillScope.Frames frames = FillScope.frames();
			int read = frames.enter();
			try {
				Outcome hit = Outcome.of(() -> this.cache.get(key));
				assertSameOutcome("fill: get(" + key + ")", hit, Outcome.of(() -> this.oracle.get(key)));
				if (hit.value() != null) {
					return;
				}
				long stamp = stamp(key);
				if (this.depth == 0) {
					int body = frames.enterNoRead();
					this.depth++;
					try {
						for (int i = this.random.nextInt(3) - 1; i >= 0; i--) {
							step(null);
						}
					}
					finally {
						this.depth--;
						frames.exit(body);
					}
				}
				Outcome actual = Outcome.of(() -> {
					this.cache.put(key, value);
					return null;
				});
				Outcome expected = Outcome.of(() -> {
					scratch().put(key, value);
					return null;
				});
				assertSameOutcome("fill: put(" + key + ")", actual, expected);
				if (expected.thrown() == null && stamp(key) == stamp) {
					this.oracle.put(key, value);
				}
				else if (expected.thrown() == null) {
					log("  not installed: %s was invalidated since the miss", key);
				}
				settle();
			}
			finally {
				frames.exit(read);
			}
		}

		/** NearCache's own local evictions: as {@code evict}, but nothing is published. */
		private void evictLocally(Object key, boolean byForm) {
			log(byForm ? "evictCanonicalLocally(%s)" : "evictLocally(%s)", byForm ? form(key) : key);
			Outcome actual = Outcome.of(() -> byForm ? this.cache.evictCanonicalLocally(form(key))
					: this.cache.evictLocally(key));
			int evicted = evictForm(form(key));
			assertSameOutcome("evictLocally(" + key + ")", actual, Outcome.value(byForm ? evicted : evicted > 0));
			settle();
		}

		private void put(Object key, @Nullable Object value) {
			log("put(%s, %s)", key, value);
			Outcome actual = Outcome.of(() -> {
				this.cache.put(key, value);
				return null;
			});
			Outcome expected = Outcome.of(() -> {
				this.oracle.put(key, value);
				return null;
			});
			assertSameOutcome("put(" + key + ")", actual, expected);
			if (expected.thrown() == null) {
				wrote(key);
			}
			settle();
		}

		private void putIfAbsent(Object key, @Nullable Object value) {
			log("putIfAbsent(%s, %s)", key, value);
			Outcome actual = Outcome.of(() -> this.cache.putIfAbsent(key, value));
			// Where nulls are not allowed, a null is refused even when the key is present (as Spring's
			// ConcurrentMapCache does; CaffeineCache returns the present value).
			Outcome expected = (value == null && !this.config.allowNullValues)
					? Outcome.of(() -> scratch().putIfAbsent(key, null))
					: Outcome.of(() -> this.oracle.putIfAbsent(key, value));
			assertSameOutcome("putIfAbsent(" + key + ")", actual, expected);
			if (expected.thrown() == null) {
				// A putIfAbsent outside a fill is a write, even when it keeps the present value: loads in flight
				// are discarded.
				invalidating(form(key));
				if (expected.value() == null) {
					wrote(key);
				}
			}
			settle();
		}

		/** A write: every other key of the same form is evicted, and the form is published. */
		private void wrote(Object key) {
			String form = form(key);
			invalidating(form);
			for (Object other : KEYS) {
				if (!other.equals(key) && form(other).equals(form)) {
					this.oracle.getNativeCache().invalidate(other);
				}
			}
			this.published.add(NearCacheTests.Event.keys(NAME, form));
		}

		private void evict(Object key, boolean ifPresent) {
			log("%s(%s)", ifPresent ? "evictIfPresent" : "evict", key);
			Outcome actual = Outcome.of(() -> {
				if (ifPresent) {
					return this.cache.evictIfPresent(key);
				}
				this.cache.evict(key);
				return null;
			});
			boolean present = evictForm(form(key)) > 0;
			this.published.add(NearCacheTests.Event.keys(NAME, form(key)));
			assertSameOutcome((ifPresent ? "evictIfPresent(" : "evict(") + key + ")", actual,
					Outcome.value(ifPresent ? present : null));
			settle();
		}

		private void clear(boolean invalidate) {
			log(invalidate ? "invalidate()" : "clear()");
			Outcome actual = Outcome.of(() -> {
				if (invalidate) {
					return this.cache.invalidate();
				}
				this.cache.clear();
				return null;
			});
			Outcome expected = Outcome.of(() -> {
				if (invalidate) {
					return this.oracle.invalidate();
				}
				this.oracle.clear();
				return null;
			});
			this.floor++;
			this.published.add(NearCacheTests.Event.clear(NAME));
			assertSameOutcome(invalidate ? "invalidate()" : "clear()", actual, expected);
		}

		private void remote(List<String> forms) {
			log("applyRemoteInvalidation(%s)", forms);
			Outcome actual = Outcome.of(() -> this.cache.applyRemoteInvalidation(forms));
			int evicted = 0;
			for (String form : forms) {
				evicted += evictForm(form);
			}
			assertSameOutcome("applyRemoteInvalidation(" + forms + ")", actual, Outcome.value(evicted));
		}

		/** Evict every key of a form from the oracle. */
		private int evictForm(String form) {
			invalidating(form);
			int evicted = 0;
			for (Object key : KEYS) {
				if (form(key).equals(form) && this.oracle.getNativeCache().asMap().remove(key) != null) {
					evicted++;
				}
			}
			return evicted;
		}

		/** An empty CaffeineCache like the oracle: Spring's answer for one operation on a key it does not hold. */
		private CaffeineCache scratch() {
			return new CaffeineCache(NAME, Caffeine.newBuilder().executor(Runnable::run).buildAsync(),
					this.config.allowNullValues);
		}

		// --- the model's bookkeeping ---

		private long stamp(Object key) {
			return this.formStamps.getOrDefault(form(key), 0L) + this.floor;
		}

		private void invalidating(String form) {
			this.formStamps.merge(form, 1L, Long::sum);
		}

		private @Nullable AsyncLoad joinable(Object key) {
			AsyncLoad load = this.inFlight.get(key);
			return (load != null && load.stamp == stamp(key)) ? load : null;
		}

		/** A cached null past its null TTL is a miss: where nulls expire at once, the oracle keeps none. */
		private void settle() {
			if (this.config.nullsExpireAtOnce()) {
				this.oracle.getNativeCache().asMap().values().removeIf((value) -> value == NullValue.INSTANCE);
			}
		}

		private void checkState() {
			assertThat(contents(this.cache)).as("entries").isEqualTo(contents(this.oracle));
			assertThat(this.publisher.events()).as("published").isEqualTo(this.published);
			assertThat(this.cache.loadsInFlight()).as("loads in flight").isEqualTo(this.inFlight.size());
			// The reverse index is exact: every key held is found from its form, and only keys held are indexed.
			Map<Object, Object> store = this.cache.getNativeCache().asMap();
			for (Object key : store.keySet()) {
				assertThat(this.keys.candidates(form(key))).as("candidates of " + form(key)).contains(key);
			}
			reverseIndex().forEach((form, indexed) -> {
				for (Object key : indexed) {
					assertThat(store).as("indexed key").containsKey(key);
					assertThat(form(key)).isEqualTo(form);
				}
			});
		}

		private Map<String, Set<Object>> reverseIndex() {
			return this.reverseIndex;
		}

		/** What a read of each key returns, without side effects; absent keys are left out. */
		private Map<Object, @Nullable Object> contents(NearCache cache) {
			Map<Object, @Nullable Object> contents = new LinkedHashMap<>();
			for (Object key : KEYS) {
				Object stored = cache.getNativeCache().asMap().get(key);
				if (stored instanceof ExpiringNull expiringNull) {
					if (!expiringNull.hasExpired(cache.ticker().read())) {
						contents.put(key, null);
					}
				}
				else if (stored instanceof CachedValue value) {
					contents.put(key, value.get());
				}
				else if (stored != null) {
					contents.put(key, (stored == NullValue.INSTANCE && this.config.allowNullValues) ? null : stored);
				}
			}
			return contents;
		}

		private Map<Object, @Nullable Object> contents(CaffeineCache cache) {
			Map<Object, @Nullable Object> contents = new LinkedHashMap<>();
			for (Object key : KEYS) {
				ValueWrapper wrapper = cache.get(key);
				if (wrapper != null) {
					contents.put(key, wrapper.get());
				}
			}
			return contents;
		}

		// --- choices ---

		private Object anyKeyBut(@Nullable Object excluded) {
			while (true) {
				Object key = KEYS.get(this.random.nextInt(KEYS.size()));
				if (!key.equals(excluded)) {
					return key;
				}
			}
		}

		private LoaderKind anyLoader() {
			if (this.depth > 0) {
				return LoaderKind.SIMPLE.get(this.random.nextInt(LoaderKind.SIMPLE.size()));
			}
			return LoaderKind.values()[this.random.nextInt(LoaderKind.values().length)];
		}

		private @Nullable Object anyValue() {
			int dice = this.random.nextInt(10);
			return (dice == 0) ? null : (dice == 1) ? NullValue.INSTANCE : nextValue();
		}

		private String nextValue() {
			return "v" + (++this.values);
		}

		@SafeVarargs
		private <T> T pick(T... choices) {
			return choices[this.random.nextInt(choices.length)];
		}

		private void log(String format, Object... args) {
			this.log.add("  ".repeat(this.depth) + format.formatted(args));
		}

	}

}
