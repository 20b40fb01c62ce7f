#!/usr/bin/env bash
# Builds the JMH benchmarks (Maven profile "benchmarks"), runs them and writes docs/benchmarks.md.
#
#   benchmarks/run.sh                       # everything, about 20-25 minutes on 2 cores
#   ROUNDS=1 BEFORE_AFTER=0 benchmarks/run.sh  # about 12 minutes (wider errors on the hit path)
#   ROUNDS=1 ITERATIONS=2 benchmarks/run.sh # a quick look (wide errors)
#
# Environment (defaults in brackets):
#   ROUNDS [2]       every configuration is run once per round, one fork each, rounds one after the other, so
#                    that a burst of load from other processes hits all caches alike instead of one of them
#   WARMUP [2]       warm-up iterations per fork;  ITERATIONS [3] measured iterations per fork
#   TIME [1s]        length of each iteration;     THREADS ["1 2"]
#   COMPETITORS [1]  0 skips Redisson, JetCache and RedisCacheManager (hit path, and publish-to-evicted latency)
#   BEFORE_AFTER [1] 0 skips the NearCache hit path at the commits around "Race-proof loading"
#   PROXY [1]        0 skips the end-to-end @Cacheable proxy benchmark (nearcache vs CaffeineCacheManager)
#   PROXY_WARMUP [5] warm-up iterations per fork of the proxy benchmark: its deeper call chain is compiled later,
#                    and with 2 its first measured iterations still ran partly interpreted
#   INVALIDATION [1] 0 skips publish-to-evicted latency (nearcache's, and Redisson's and JetCache's unless
#                    COMPETITORS=0) and invalidation throughput (plain main classes, not JMH)
#   LATENCY_SAMPLES [10000], LATENCY_INTERVAL_US [500]: measured invalidations and the steady send interval
#   LATENCY_ROUNDS [3] publish-to-evicted is measured this many times, nearcache then Redisson then JetCache in
#                    each round, so that one burst of load does not decide the comparison of the tails
#   MEMORY [1]       0 skips bytes per entry (JOL)
#   OUTPUT [docs/benchmarks.md]
# Needs a JDK 17+, python3 and redis-server on PATH (or REDIS_SERVER=/path/to/redis-server).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-2}
ITERATIONS=${ITERATIONS:-3}
TIME=${TIME:-1s}
THREADS=${THREADS:-1 2}
COMPETITORS=${COMPETITORS:-1}
BEFORE_AFTER=${BEFORE_AFTER:-1}
PROXY=${PROXY:-1}
PROXY_WARMUP=${PROXY_WARMUP:-5}
INVALIDATION=${INVALIDATION:-1}
LATENCY_SAMPLES=${LATENCY_SAMPLES:-10000}
LATENCY_INTERVAL_US=${LATENCY_INTERVAL_US:-500}
LATENCY_ROUNDS=${LATENCY_ROUNDS:-3}
MEMORY=${MEMORY:-1}
OUTPUT=${OUTPUT:-docs/benchmarks.md}
RESULTS=benchmarks/target/results
JVM_ARGS="-Xms1g -Xmx1g"

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
DESCRIBE_CURRENT="working tree on $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- autoconfigure/src/main || echo ' + uncommitted changes')"
echo "current	$DESCRIBE_CURRENT" > "$RESULTS/variants.tsv"

# The hit path before and after the race-proof loading change: nearcache's jar of each commit, built in a
# throwaway worktree, first on the class path of the same benchmark jar.
if [[ $BEFORE_AFTER == 1 ]]; then
	AFTER=$(git log --format=%H --grep='^Race-proof loading' -1)
	if [[ -z $AFTER ]]; then
		echo "no 'Race-proof loading' commit: skipping before/after" >&2
		BEFORE_AFTER=0
	else
		BEFORE=$(git rev-parse "$AFTER^")
		for variant in before after; do
			commit=$([[ $variant == before ]] && echo "$BEFORE" || echo "$AFTER")
			tree=$(mktemp -d)
			echo "== build nearcache at $variant ($(git rev-parse --short "$commit"))"
			git worktree add --detach --quiet "$tree" "$commit"
			(cd "$tree" && ./mvnw -q -B -Dmaven.test.skip=true -pl autoconfigure package) \
				|| { git worktree remove --force "$tree"; exit 1; }
			cp "$tree"/autoconfigure/target/nearcache-spring-boot-autoconfigure-*.jar "benchmarks/target/jars/$variant.jar"
			git worktree remove --force "$tree"
			echo "$variant	$(git log --format='%h %s' -1 "$commit" | cut -c1-80)" >> "$RESULTS/variants.tsv"
		done
	fi
fi

jmh() { # jmh <result file> <class path> <jmh arguments...>
	local out=$1 cp=$2
	shift 2
	echo "== $(basename "$out" .json)"
	java -cp "$cp" org.openjdk.jmh.Main "$@" -f 1 -wi "${JMH_WARMUP:-$WARMUP}" -i "$ITERATIONS" -w "$TIME" -r "$TIME" \
		-jvmArgsAppend "$JVM_ARGS" -rf json -rff "$out" > "${out%.json}.log" 2>&1 \
		|| { tail -40 "${out%.json}.log" >&2; exit 1; }
}

uptime > "$RESULTS/load-start.txt"
date -u +%Y-%m-%dT%H:%MZ > "$RESULTS/started.txt"
for round in $(seq 1 "$ROUNDS"); do
	dir=$RESULTS/round-$round
	mkdir -p "$dir"
	for threads in $THREADS; do
		for keyType in string long; do
			for distribution in uniform zipf; do
				jmh "$dir/hit-$keyType-$distribution-t$threads.json" "benchmarks/target/jars/current.jar:$NEARCACHE_BENCH" \
					'SpringCacheHitBenchmark|CaffeineHitBenchmark' -t "$threads" -p keyType=$keyType -p distribution=$distribution
			done
			if [[ $BEFORE_AFTER == 1 ]]; then
				for variant in before after; do
					jmh "$dir/$variant-$keyType-uniform-t$threads.json" "benchmarks/target/jars/$variant.jar:$NEARCACHE_BENCH" \
						'SpringCacheHitBenchmark' -t "$threads" -p cache=nearcache -p keyType=$keyType -p distribution=uniform
				done
			fi
			if [[ $COMPETITORS == 1 ]]; then
				jmh "$dir/redisson-$keyType-t$threads.json" benchmarks/redisson/target/benchmarks.jar \
					'RedissonLocalCachedMapBenchmark' -t "$threads" -p keyType=$keyType
				jmh "$dir/jetcache-$keyType-t$threads.json" benchmarks/jetcache/target/benchmarks.jar \
					'JetCacheTwoLevelBenchmark' -t "$threads" -p keyType=$keyType
				jmh "$dir/redis-$keyType-t$threads.json" "benchmarks/target/jars/current.jar:$NEARCACHE_BENCH" \
					'RedisCacheBenchmark' -t "$threads" -p keyType=$keyType
			fi
		done
		if [[ $PROXY == 1 ]]; then
			JMH_WARMUP=$PROXY_WARMUP jmh "$dir/proxy-long-t$threads.json" "benchmarks/target/jars/current.jar:$NEARCACHE_BENCH" \
				'CacheableProxyBenchmark' -t "$threads"
		fi
	done
done

# Not JMH: plain main classes, one JVM each, each starting its own redis-server (see their javadoc).
main_class() { # main_class <name> <jvm options> <class> <arguments...>
	main_class_on "benchmarks/target/jars/current.jar:$NEARCACHE_BENCH" "$@"
}
main_class_on() { # main_class_on <class path> <name> <jvm options> <class> <arguments...>; name may be dir/name
	local cp=$1 name=$2 opts=$3 class=$4
	shift 4
	echo "== $name"
	uptime > "$RESULTS/$(dirname "$name")/load-$(basename "$name").txt"
	# shellcheck disable=SC2086
	java $opts -cp "$cp" "$class" "$@" > "$RESULTS/$name.log" 2>&1 \
		|| { tail -40 "$RESULTS/$name.log" >&2; exit 1; }
}
if [[ $INVALIDATION == 1 ]]; then
	echo "$LATENCY_INTERVAL_US" > "$RESULTS/latency-interval.txt"
	for round in $(seq 1 "$LATENCY_ROUNDS"); do
		dir=latency-round-$round
		mkdir -p "$RESULTS/$dir"
		main_class "$dir/latency" "$JVM_ARGS" dev.nearcache.benchmarks.invalidation.InvalidationLatency \
			"$RESULTS/$dir/latency.tsv" "$LATENCY_SAMPLES" 2000 "$LATENCY_INTERVAL_US"
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
	# mode:keys:writers:batch:rate (keys/s in all, 0 = unpaced); paced runs last about 2 s each.
	main_class throughput "$JVM_ARGS" dev.nearcache.benchmarks.invalidation.InvalidationThroughput \
		"$RESULTS/throughput.tsv" single:200000:4:1:0 batch:1000000:4:100:0 \
		single:100000:4:1:50000 single:200000:4:1:100000 single:220000:4:1:110000 single:250000:4:1:125000 \
		single:300000:4:1:150000 single:400000:4:1:200000 \
		single:600000:4:1:300000 batch:400000:4:100:200000 batch:800000:4:100:400000 batch:1600000:4:100:800000
fi
if [[ $MEMORY == 1 ]]; then
	main_class memory "-Xms2g -Xmx2g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true" \
		dev.nearcache.benchmarks.MemoryFootprint "$RESULTS/memory.tsv" 100000
fi
uptime > "$RESULTS/load-end.txt"

echo "== report"
python3 benchmarks/report.py "$RESULTS" > "$OUTPUT"
echo "wrote $OUTPUT"
