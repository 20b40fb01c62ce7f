#!/usr/bin/env bash
# Builds the JMH benchmarks (Maven profile "benchmarks"), runs them and writes docs/benchmarks.md: every figure of
# issue 19 with its JMH error (or its spread over rounds) and a verdict against the goal, for the working tree and,
# in the same run, for nearcache as built at BASE (before/after).
#
#   benchmarks/run.sh                        # everything, about 35 minutes on 2 quiet cores (40 on a busy one)
#   BASE= benchmarks/run.sh                  # no before/after, about 27 minutes
#   ROUNDS=1 LATENCY_ROUNDS=3 benchmarks/run.sh   # about 20 minutes, wider errors
#   ROUNDS=1 WARMUP=1 ITERATIONS=1 TIME=200ms LATENCY_ROUNDS=1 LATENCY_SAMPLES=500 KEY_TYPES=long \
#     DISTRIBUTIONS=uniform THREADS=1 COMPETITORS=0 MEMORY=0 OUTPUT=/tmp/b.md benchmarks/run.sh   # a smoke test
#
# Environment (defaults in brackets):
#   BASE [09978e8]   the "before" of before/after: nearcache's autoconfigure jar of that revision, built in a
#                    throwaway git worktree, put first on the class path of the same benchmark jars; the
#                    nearcache-dependent figures (hit path nearcache rows, @Cacheable proxy, publish-to-evicted,
#                    allocation, throughput) run for it and for the working tree in the same run, interleaved per
#                    round (the order alternates between rounds). Empty: no before/after. A benchmark that fails
#                    on the base jar (API it does not have) is skipped with a note in the report.
#   ROUNDS [2]       every JMH configuration is run once per round, one fork each, rounds one after the other, so
#                    that a burst of load from other processes hits all caches alike instead of one of them
#   WARMUP [2]       warm-up iterations per fork;  ITERATIONS [3] measured iterations per fork
#   TIME [1s]        length of each iteration;     THREADS ["1 2"]
#   KEY_TYPES ["string long"], DISTRIBUTIONS ["uniform zipf"]: the hit-path configurations
#   HIT [1]          0 skips the hit path (nearcache, Spring's CaffeineCache, raw Caffeine in three configurations)
#   HIT_CACHES [nearcache,caffeineCache]   SpringCacheHitBenchmark's caches (add caffeineCacheVariableExpiry
#                    for the per-entry-expiry row of issue 7)
#   COMPETITORS [1]  0 skips Redisson, JetCache and RedisCacheManager (hit path, and publish-to-evicted latency)
#   PROXY [1]        0 skips the end-to-end @Cacheable proxy benchmark (nearcache vs CaffeineCacheManager)
#   PROXY_WARMUP [5] warm-up iterations per fork of the proxy benchmark: its deeper call chain is compiled later
#   ALLOCATION [1]   0 skips InvalidationAllocationBenchmark (encode, decodeApply; -prof gc), run once per variant;
#                    skipped with a note when the benchmark jar has no such class
#   INVALIDATION [1] 0 skips publish-to-evicted latency and invalidation throughput (plain main classes, not JMH)
#   LATENCY_SAMPLES [10000], LATENCY_INTERVAL_US [500]: measured invalidations and the steady send interval
#   LATENCY_ROUNDS [5] publish-to-evicted is measured this many times: nearcache (with the pub/sub floor and a
#                    bare Caffeine + pub/sub near cache in its JVM), nearcache at BASE, Redisson, JetCache in each
#                    round; the report gives each round's p50 and p99, their median and the spread (min-max)
#   THROUGHPUT [1]   0 skips invalidation throughput;  THROUGHPUT_SPECS: InvalidationThroughput's arguments
#   MEMORY [1]       0 skips bytes per entry (JOL)
#   OUTPUT [docs/benchmarks.md]
# Needs a JDK 17+, python3 and redis-server on PATH (or REDIS_SERVER=/path/to/redis-server). Raw results, the log
# of every JVM and the failures (failures.tsv) land in benchmarks/target/results/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BASE=${BASE-09978e8}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-2}
ITERATIONS=${ITERATIONS:-3}
TIME=${TIME:-1s}
THREADS=${THREADS:-1 2}
KEY_TYPES=${KEY_TYPES:-string long}
DISTRIBUTIONS=${DISTRIBUTIONS:-uniform zipf}
HIT=${HIT:-1}
HIT_CACHES=${HIT_CACHES:-nearcache,caffeineCache}
COMPETITORS=${COMPETITORS:-1}
PROXY=${PROXY:-1}
PROXY_WARMUP=${PROXY_WARMUP:-5}
ALLOCATION=${ALLOCATION:-1}
INVALIDATION=${INVALIDATION:-1}
LATENCY_SAMPLES=${LATENCY_SAMPLES:-10000}
LATENCY_INTERVAL_US=${LATENCY_INTERVAL_US:-500}
LATENCY_ROUNDS=${LATENCY_ROUNDS:-5}
THROUGHPUT=${THROUGHPUT:-1}
# mode:keys:writers:batch:rate (keys/s in all, 0 = unpaced); paced runs last about 2 s each. The goals are
# 250,000 keys/s one key per call and 1,000,000 keys/s in batches, zero loss on 3 receivers.
THROUGHPUT_SPECS=${THROUGHPUT_SPECS:-single:200000:4:1:0 batch:1000000:4:100:0 \
single:200000:4:1:100000 single:300000:4:1:150000 single:400000:4:1:200000 single:500000:4:1:250000 \
single:600000:4:1:300000 batch:800000:4:100:400000 batch:2000000:4:100:1000000 batch:2400000:4:100:1200000}
MEMORY=${MEMORY:-1}
OUTPUT=${OUTPUT:-docs/benchmarks.md}
RESULTS=benchmarks/target/results
JVM_ARGS="-Xms1g -Xmx1g"
ALLOCATION_CLASS=dev.nearcache.benchmarks.invalidation.InvalidationAllocationBenchmark

command -v "${REDIS_SERVER:-redis-server}" >/dev/null || { echo "redis-server not found (set REDIS_SERVER)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 1; }

echo "== build"
./mvnw -q -B -Pbenchmarks -Dmaven.test.skip=true \
	-pl benchmarks/nearcache,benchmarks/redisson,benchmarks/jetcache -am package
VERSION=$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
CURRENT_JAR=autoconfigure/target/nearcache-spring-boot-autoconfigure-$VERSION.jar
NEARCACHE_BENCH=benchmarks/nearcache/target/benchmarks.jar
rm -rf "$RESULTS"
mkdir -p "$RESULTS" benchmarks/target/jars
cp "$CURRENT_JAR" benchmarks/target/jars/current.jar
: > "$RESULTS/failures.tsv"
DESCRIBE_CURRENT="working tree on $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- autoconfigure/src/main || echo ' + uncommitted changes')"
echo "current	$DESCRIBE_CURRENT" > "$RESULTS/variants.tsv"

# Before/after: nearcache's jar at BASE, built in a throwaway worktree, first on the class path of the same
# benchmark jar (compiled against the working tree: what the base jar lacks fails that benchmark, noted).
VARIANTS=current
if [[ -n $BASE ]]; then
	commit=$(git rev-parse --verify "$BASE^{commit}")
	tree=$(mktemp -d)
	echo "== build nearcache at base ($(git rev-parse --short "$commit"))"
	git worktree add --detach --quiet "$tree" "$commit"
	(cd "$tree" && ./mvnw -q -B -Dmaven.test.skip=true -pl autoconfigure package) \
		|| { git worktree remove --force "$tree"; exit 1; }
	cp "$tree"/autoconfigure/target/nearcache-spring-boot-autoconfigure-*.jar benchmarks/target/jars/base.jar
	git worktree remove --force "$tree"
	echo "base	$(git log --format='%h %s' -1 "$commit" | cut -c1-100)" >> "$RESULTS/variants.tsv"
	VARIANTS="current base"
fi
cp_of() { # cp_of <variant>: the class path of the nearcache benchmarks on that variant's jar
	echo "benchmarks/target/jars/$1.jar:$NEARCACHE_BENCH"
}
in_order() { # in_order <round>: the variants, base first in even rounds so that drift does not favour one
	if (( $1 % 2 == 0 )); then echo "$VARIANTS" | awk '{for (i = NF; i > 0; i--) printf "%s ", $i}'; else echo "$VARIANTS"; fi
}
failed() { # failed <name> <log>: note a failed benchmark for the report
	local reason
	reason=$({ grep -m1 -E 'Exception|Error' "$2" || grep -m1 '<failure>' "$2" || true; } | tr '\t' ' ' | cut -c1-200)
	echo "$1	${reason:-exit status non-zero, see $(basename "$2")}" >> "$RESULTS/failures.tsv"
	echo "   failed: $1 (${reason:-see $2})" >&2
}

jmh() { # jmh <result file> <class path> <jmh arguments...>; a failure is noted, the run goes on
	local out=$1 cp=$2 log
	shift 2
	log=${out%.json}.log
	echo "== ${out#"$RESULTS"/}"
	if ! java -cp "$cp" org.openjdk.jmh.Main "$@" -f 1 -wi "${JMH_WARMUP:-$WARMUP}" -i "$ITERATIONS" -w "$TIME" \
		-r "$TIME" -jvmArgsAppend "$JVM_ARGS" -rf json -rff "$out" > "$log" 2>&1; then
		failed "${out#"$RESULTS"/}" "$log"
	elif grep -q '<failure>' "$log"; then # JMH goes on after a benchmark threw, and exits 0
		failed "${out#"$RESULTS"/}" "$log"
	fi
}

uptime > "$RESULTS/load-start.txt"
date -u +%Y-%m-%dT%H:%MZ > "$RESULTS/started.txt"
for round in $(seq 1 "$ROUNDS"); do
	dir=$RESULTS/round-$round
	mkdir -p "$dir"
	for threads in $THREADS; do
		for keyType in $KEY_TYPES; do
			if [[ $HIT == 1 ]]; then
				for distribution in $DISTRIBUTIONS; do
					for variant in $(in_order "$round"); do
						if [[ $variant == current ]]; then
							jmh "$dir/hit-$keyType-$distribution-t$threads.json" "$(cp_of current)" \
								'SpringCacheHitBenchmark\.get$|SpringCacheUnwrappedHitBenchmark|CaffeineHitBenchmark' \
								-t "$threads" -p keyType="$keyType" -p distribution="$distribution" -p cache="$HIT_CACHES"
						else
							jmh "$dir/base-hit-$keyType-$distribution-t$threads.json" "$(cp_of base)" \
								'SpringCacheHitBenchmark\.get$' -t "$threads" -p cache=nearcache -p keyType="$keyType" \
								-p distribution="$distribution"
						fi
					done
				done
			fi
			if [[ $COMPETITORS == 1 ]]; then
				jmh "$dir/redisson-$keyType-t$threads.json" benchmarks/redisson/target/benchmarks.jar \
					'RedissonLocalCachedMapBenchmark' -t "$threads" -p keyType="$keyType"
				jmh "$dir/jetcache-$keyType-t$threads.json" benchmarks/jetcache/target/benchmarks.jar \
					'JetCacheTwoLevelBenchmark' -t "$threads" -p keyType="$keyType"
				jmh "$dir/redis-$keyType-t$threads.json" "$(cp_of current)" \
					'RedisCacheBenchmark' -t "$threads" -p keyType="$keyType"
			fi
		done
		if [[ $PROXY == 1 ]]; then
			for variant in $(in_order "$round"); do
				if [[ $variant == current ]]; then
					JMH_WARMUP=$PROXY_WARMUP jmh "$dir/proxy-long-t$threads.json" "$(cp_of current)" \
						'CacheableProxyBenchmark' -t "$threads" -p cacheManager=nearcache,caffeineCacheManager,nearcacheWithoutFillAdvisor
				else
					JMH_WARMUP=$PROXY_WARMUP jmh "$dir/base-proxy-long-t$threads.json" "$(cp_of base)" \
						'CacheableProxyBenchmark' -t "$threads" -p cacheManager=nearcache
				fi
			done
		fi
	done
done

# Allocation per invalidation (JMH, -prof gc), once per variant: allocation does not move with load as time does.
if [[ $ALLOCATION == 1 ]]; then
	if java -cp "$(cp_of current)" org.openjdk.jmh.Main -l 2>/dev/null | grep -q "^$ALLOCATION_CLASS\."; then
		for variant in $VARIANTS; do
			jmh "$RESULTS/allocation-$variant.json" "$(cp_of "$variant")" "${ALLOCATION_CLASS//./\\.}\\." -prof gc
		done
	else
		echo "$ALLOCATION_CLASS is not in $NEARCACHE_BENCH" > "$RESULTS/allocation-absent.txt"
		echo "== allocation: no $ALLOCATION_CLASS in the benchmark jar, skipped"
	fi
fi

# Not JMH: plain main classes, one JVM each, each starting its own redis-server (see their javadoc).
main_class_on() { # main_class_on <class path> <name> <jvm options> <class> <arguments...>; name may be dir/name
	local cp=$1 name=$2 opts=$3 class=$4
	shift 4
	echo "== $name"
	uptime > "$RESULTS/$(dirname "$name")/load-$(basename "$name").txt"
	# shellcheck disable=SC2086
	java $opts -cp "$cp" "$class" "$@" > "$RESULTS/$name.log" 2>&1 || failed "$name" "$RESULTS/$name.log"
}
if [[ $INVALIDATION == 1 ]]; then
	echo "$LATENCY_INTERVAL_US" > "$RESULTS/latency-interval.txt"
	for round in $(seq 1 "$LATENCY_ROUNDS"); do
		dir=latency-round-$round
		mkdir -p "$RESULTS/$dir"
		for variant in $(in_order "$round"); do
			if [[ $variant == current ]]; then # with the floor and the bare Caffeine + pub/sub near cache
				main_class_on "$(cp_of current)" "$dir/latency" "$JVM_ARGS" \
					dev.nearcache.benchmarks.invalidation.InvalidationLatency \
					"$RESULTS/$dir/latency.tsv" "$LATENCY_SAMPLES" 2000 "$LATENCY_INTERVAL_US" all
			else
				main_class_on "$(cp_of base)" "$dir/latency-base" "$JVM_ARGS" \
					dev.nearcache.benchmarks.invalidation.InvalidationLatency \
					"$RESULTS/$dir/latency-base.tsv" "$LATENCY_SAMPLES" 2000 "$LATENCY_INTERVAL_US" nearcache
			fi
		done
		# The same measurement for the competitors, right after nearcache's: their own shaded jar, no nearcache.
		if [[ $COMPETITORS == 1 ]]; then
			main_class_on benchmarks/redisson/target/benchmarks.jar "$dir/latency-redisson" "$JVM_ARGS" \
				dev.nearcache.benchmarks.redisson.RedissonInvalidationLatency \
				"$RESULTS/$dir/latency-redisson.tsv" "$LATENCY_SAMPLES" 2000 "$LATENCY_INTERVAL_US"
			main_class_on benchmarks/jetcache/target/benchmarks.jar "$dir/latency-jetcache" "$JVM_ARGS" \
				dev.nearcache.benchmarks.jetcache.JetCacheInvalidationLatency \
				"$RESULTS/$dir/latency-jetcache.tsv" "$LATENCY_SAMPLES" 2000 "$LATENCY_INTERVAL_US"
		fi
	done
	if [[ $THROUGHPUT == 1 ]]; then
		for variant in $VARIANTS; do
			name=throughput$([[ $variant == current ]] || echo "-$variant")
			# shellcheck disable=SC2086
			main_class_on "$(cp_of "$variant")" "$name" "$JVM_ARGS" \
				dev.nearcache.benchmarks.invalidation.InvalidationThroughput "$RESULTS/$name.tsv" $THROUGHPUT_SPECS
		done
	fi
fi
if [[ $MEMORY == 1 ]]; then
	main_class_on "$(cp_of current)" memory "-Xms2g -Xmx2g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true" \
		dev.nearcache.benchmarks.MemoryFootprint "$RESULTS/memory.tsv" 100000
fi
uptime > "$RESULTS/load-end.txt"
date -u +%Y-%m-%dT%H:%MZ > "$RESULTS/ended.txt"

echo "== report"
python3 benchmarks/report.py "$RESULTS" > "$OUTPUT"
echo "wrote $OUTPUT"
if [[ -s $RESULTS/failures.tsv ]]; then
	echo "some benchmarks failed (noted in the report): $RESULTS/failures.tsv" >&2
fi
