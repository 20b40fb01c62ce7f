package dev.nearcache.cache;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import kotlin.Unit;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.CustomScenarioDSLKt;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier;
import org.junit.jupiter.api.Test;

/**
 * Model checks the production cache core with Lincheck: each scenario runs operations of a
 * {@link CacheCoreModel} (a real {@link NearCache} in front of a versioned source of truth) on two or three
 * threads, Lincheck explores their interleavings systematically, and the model's oracle, run after every
 * interleaving ({@link #verify}), fails the test with the interleaving that let a stale value be installed or
 * returned. The property is that oracle, not linearizability ({@link EpsilonVerifier} accepts any results).
 * <p>
 * One scenario per defect of issue 16, each the smallest that can show it, and seeded random scenarios over
 * every operation. Keys collide on purpose: {@code key} 0 and 1 ({@link CacheCoreModel#LONG_KEY},
 * {@link CacheCoreModel#INT_KEY}) share a canonical form, and keys 2 and 3 ({@link CacheCoreModel#STRING_KEY},
 * {@link CacheCoreModel#STRIPE_MATE}), two more entities, share their invalidation stripe. The defect scenarios
 * use the {@code String} key where a composite key would let the checker find the composite keys' own
 * window (a key is indexed for remote invalidation only after its value is installed) before the defect.
 * <p>
 * Switch points: see {@link #guarded}. Caffeine's maintenance runs on the calling thread ({@link CacheCoreModel}),
 * so removal notifications, which maintain the reverse index, stay in the model. What differs between the core
 * before and after issue 16's rewrite is confined to {@link CoreBindings}.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:3")
public class CacheCoreModelCheckingTests {

	/**
	 * Interleavings explored per scenario at most (Lincheck's {@code invocationsPerIteration}); its exploration is
	 * deterministic (seeded) and exhausts interleavings with fewer thread switches first. On the old core the
	 * defects were found after 11 to 761 (see each scenario); each budget is above what its defect needed. About
	 * 12 ms of CPU each, so the whole class stays under a minute of CPU when nothing fails.
	 */
	private static final int SHORT = 200;

	private static final int LONG = 1_000;

	/** Counts the model's runs: Lincheck creates one instance of this class per interleaving. */
	private static final AtomicInteger RUNS = new AtomicInteger();

	private final CacheCoreModel model = new CacheCoreModel();

	{
		RUNS.incrementAndGet();
	}

	// ---- operations ----------------------------------------------------------------------------------------

	@Operation
	public void cacheableRead(@Param(name = "key") int key) {
		this.model.cacheableRead(key(key));
	}

	@Operation
	public void cacheableReadPutIfAbsent(@Param(name = "key") int key) {
		this.model.cacheableReadPutIfAbsent(key(key));
	}

	@Operation
	public void asyncCacheableRead(@Param(name = "key") int key) {
		this.model.asyncCacheableRead(key(key));
	}

	@Operation
	public void loadingGet(@Param(name = "key") int key) {
		this.model.loadingGet(key(key));
	}

	@Operation
	public void loadingRetrieve(@Param(name = "key") int key) {
		this.model.loadingRetrieve(key(key));
	}

	@Operation
	public void plainGet(@Param(name = "key") int key) {
		this.model.plainGet(key(key));
	}

	@Operation
	public void writeThroughPut(@Param(name = "key") int key) {
		this.model.writeThroughPut(key(key));
	}

	@Operation
	public void writeThenEvict(@Param(name = "key") int key) {
		this.model.writeThenEvict(key(key));
	}

	@Operation
	public void writeThenRemoteInvalidation(@Param(name = "key") int key) {
		this.model.writeThenRemoteInvalidation(key(key));
	}

	@Operation
	public void writeAllThenClear() {
		this.model.writeAllThenClear();
	}

	@Validate
	public void verify() {
		this.model.verify();
	}

	private static Object key(int index) {
		return CacheCoreModel.KEYS.get(index);
	}

	// ---- scenarios -----------------------------------------------------------------------------------------

	private static final int LONG_KEY = 0;

	private static final int INT_KEY = 1;

	private static final int STRING_KEY = 2;

	private static final int STRIPE_MATE = 3;

	@Test
	void outOfOrderAsyncFillsNeverInstallAStaleValue() {
		// Old core: found after 13 runs.
		check("defect 1", SHORT, scenario(List.of(),
				thread(op("asyncCacheableRead", STRING_KEY)),
				thread(op("asyncCacheableRead", STRING_KEY)),
				thread(op("writeThenRemoteInvalidation", STRING_KEY))));
	}

	@Test
	void racingInvalidationsOfOneStripeNeverLetAStaleFillIn() {
		// Old core: found after 484 runs.
		check("defect 3", LONG, scenario(List.of(),
				thread(op("cacheableRead", STRING_KEY)),
				thread(op("writeThenRemoteInvalidation", STRIPE_MATE)),
				thread(op("writeThenRemoteInvalidation", STRING_KEY))));
	}

	@Test
	void evictingOneKeyOfAFormNeverHidesAnotherFromInvalidations() {
		// Old core: found after 761 runs.
		check("defect 4", LONG, scenario(List.of(op("cacheableRead", INT_KEY)),
				thread(op("cacheableRead", LONG_KEY)),
				thread(op("writeThenEvict", INT_KEY))));
	}

	@Test
	void asyncReadAfterAnInvalidationNeverJoinsAnOlderLoad() {
		// Old core: found after 11 runs.
		check("defect 5, retrieve(key, Supplier)", SHORT, scenario(List.of(),
				thread(op("loadingRetrieve", STRING_KEY)),
				thread(op("writeThenRemoteInvalidation", STRING_KEY), op("loadingRetrieve", STRING_KEY))));
	}

	@Test
	void loadingGetAfterAnInvalidationNeverJoinsAnOlderLoad() {
		// Old core: found after 12 runs (the composite key is indexed for remote invalidation only after the load
		// installed its value, so an invalidation in between misses it and the next read gets the old value).
		check("defect 5, get(key, Callable)", SHORT, scenario(List.of(),
				thread(op("loadingGet", LONG_KEY)),
				thread(op("writeThenRemoteInvalidation", LONG_KEY), op("loadingGet", LONG_KEY))));
	}

	/**
	 * A clear racing a fill and a load in flight. On the old core the clear waits, park-polling, for loads that
	 * began before it ({@code LoadsInFlight.awaitStartedBefore}); the checker treats that loop as a spin loop and
	 * runs the other threads meanwhile.
	 */
	@Test
	void clearRacingFillsNeverLeavesAStaleValue() {
		check("clear", SHORT, scenario(List.of(),
				thread(op("cacheableRead", STRING_KEY)),
				thread(op("loadingRetrieve", STRING_KEY)),
				thread(op("writeAllThenClear"))));
	}

	/**
	 * Lincheck's own seeded scenarios over every operation and key: 6 scenarios of three threads with two
	 * operations each, 100 interleavings per scenario. A net for what the defect scenarios do not target; on the
	 * old core it finds nothing in this budget (the defects need the specific scenarios above).
	 */
	@Test
	void randomScenariosKeepThePromise() {
		check("random scenarios", guarded(new ModelCheckingOptions()).iterations(6)
			.invocationsPerIteration(100)
			.threads(3)
			.actorsPerThread(2)
			.actorsBefore(0)
			.actorsAfter(0)
			.minimizeFailedScenario(false));
	}

	// ---- plumbing ------------------------------------------------------------------------------------------

	private static void check(String name, int invocations, ExecutionScenario scenario) {
		check(name, guarded(new ModelCheckingOptions()).iterations(0)
			.invocationsPerIteration(invocations)
			.addCustomScenario(scenario)
			.minimizeFailedScenario(false));
	}

	private static void check(String name, ModelCheckingOptions options) {
		RUNS.set(0);
		long start = System.nanoTime();
		long cpu = processCpuNanos();
		try {
			options.verifier(EpsilonVerifier.class).check(CacheCoreModelCheckingTests.class);
		}
		finally {
			System.out.printf("model check [%s]: %d runs of the model (interleavings explored, plus replays), %d ms, %d ms CPU%n",
					name, RUNS.get(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
					TimeUnit.NANOSECONDS.toMillis(processCpuNanos() - cpu));
		}
	}

	/**
	 * Where the checker switches threads: at every step of the core (its fields, atomics and monitors, the
	 * FillScope and PendingFills it consults) and before every call into Caffeine or a {@code ConcurrentHashMap},
	 * whose operations are taken as the atomic steps their contracts promise (Caffeine's per key, including
	 * what runs inside a {@code compute}: the core's install check, a removal listener, and an application load
	 * of {@code get(key, Callable)}, whose blocking of other calls issue 16's defect 6 tests separately).
	 * Statistics counters, key canonicalisation (pure) and the oracle itself get no switch points at all.
	 */
	private static ModelCheckingOptions guarded(ModelCheckingOptions options) {
		return options
			.addGuarantee(ManagedStrategyGuaranteeKt
				.forClasses("dev.nearcache.cache.NearCacheStatistics", "dev.nearcache.cache.KeyCanonicalizer",
						"dev.nearcache.cache.JsonStrings")
				.allMethods()
				.ignore())
			.addGuarantee(ManagedStrategyGuaranteeKt.forClasses("dev.nearcache.cache.CacheCoreModel")
				.methods("verify", "checkRead")
				.ignore())
			.addGuarantee(ManagedStrategyGuaranteeKt.forClasses("dev.nearcache.cache.CacheCoreModel.Entity")
				.methods("floor", "applied")
				.ignore())
			.addGuarantee(ManagedStrategyGuaranteeKt.forClasses(CacheCoreModelCheckingTests::isAtomicLibraryClass)
				.allMethods()
				.treatAsAtomic());
	}

	/**
	 * Caffeine's caches and maps, and {@code ConcurrentHashMap} with its views. Lincheck matches guarantees
	 * against the receiver's runtime class, so Caffeine's generated classes ({@code SSLSMSW}, ...) are matched by
	 * package.
	 */
	private static boolean isAtomicLibraryClass(String className) {
		return className.startsWith("com.github.benmanes.caffeine.cache.")
				|| className.startsWith("java.util.concurrent.ConcurrentHashMap");
	}

	private static long processCpuNanos() {
		return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
			.getProcessCpuTime();
	}

	@SafeVarargs
	private static ExecutionScenario scenario(List<Actor> initial, List<Actor>... threads) {
		return CustomScenarioDSLKt.scenario((builder) -> {
			if (!initial.isEmpty()) {
				builder.initial((part) -> {
					part.addAll(initial);
					return Unit.INSTANCE;
				});
			}
			builder.parallel((parallel) -> {
				for (List<Actor> actors : threads) {
					parallel.thread((thread) -> {
						thread.addAll(actors);
						return Unit.INSTANCE;
					});
				}
				return Unit.INSTANCE;
			});
			return Unit.INSTANCE;
		});
	}

	private static List<Actor> thread(Actor... actors) {
		return Arrays.asList(actors);
	}

	private static Actor op(String operation, int key) {
		return actor(operation, List.of(key), int.class);
	}

	private static Actor op(String operation) {
		return actor(operation, List.of());
	}

	private static Actor actor(String operation, List<Object> arguments, Class<?>... parameterTypes) {
		try {
			Method method = CacheCoreModelCheckingTests.class.getMethod(operation, parameterTypes);
			return new Actor(method, new ArrayList<>(arguments), false, false, false, false, false);
		}
		catch (NoSuchMethodException ex) {
			throw new IllegalArgumentException(operation, ex);
		}
	}

}
