#!/usr/bin/env python3
"""Turns the JMH JSON results written by run.sh into docs/benchmarks.md (printed on stdout).

Every configuration ran once per round, one fork each; a figure here is the mean of all measured iterations
of all its forks, and its error is JMH's: the half-width of the 99.9% confidence interval, Student's t over
those iterations (what JMH prints for several forks of one run). Ratios carry both errors in quadrature.
Publish-to-evicted latency runs LATENCY_ROUNDS times: each percentile is given per round, with its median over
the rounds and the spread (min-max). Every goal of issue 19 (and the earlier ones of issue 7) gets a verdict;
the verdicts are summed up in a table at the top.
"""
import glob
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys

# Student's t, two-sided 99.9% (the quantile JMH uses), by degrees of freedom.
T999 = {1: 636.62, 2: 31.60, 3: 12.92, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781, 10: 4.587,
        11: 4.437, 12: 4.318, 13: 4.221, 14: 4.140, 15: 4.073, 16: 4.015, 17: 3.965, 18: 3.922, 19: 3.883,
        20: 3.850, 21: 3.819, 22: 3.792, 23: 3.768, 24: 3.745, 25: 3.725, 26: 3.707, 27: 3.690, 28: 3.674,
        29: 3.659, 30: 3.646, 40: 3.551, 60: 3.460, 120: 3.373}


def t999(df):
    for limit in sorted(T999):
        if df <= limit:
            return T999[limit]
    return 3.291


class Figure:
    def __init__(self, samples):
        self.samples = samples
        self.mean = statistics.fmean(samples)
        n = len(samples)
        self.error = t999(n - 1) * statistics.stdev(samples) / math.sqrt(n) if n > 1 else float('nan')

    def __str__(self):
        return f"{fmt(self.mean)} ± {fmt(self.error)}"


class Ratio:
    def __init__(self, a, b):
        self.value = a.mean / b.mean
        self.error = self.value * math.hypot(a.error / a.mean, b.error / b.mean)

    def __str__(self):
        return f"{self.value:.2f} ± {self.error:.2f}" if self.error == self.error else f"{self.value:.2f} ± n/a"


def fmt(ops):
    if ops != ops:
        return "n/a"
    if ops >= 1e6:
        return f"{ops / 1e6:.2f}M"
    if ops >= 1e3:
        return f"{ops / 1e3:.1f}k"
    return f"{ops:.0f}"


def tsv(path):
    """Rows of a tab-separated file written by one of the main classes, or [] if it is missing."""
    return [line.split('\t') for line in read(path).splitlines() if line.strip()]


def load_average(path):
    m = re.search(r'load average: ([\d.]+), ([\d.]+), ([\d.]+)', read(path))
    return f"{m.group(1)} (1 min), {m.group(2)} (5 min)" if m else 'not recorded'


def read(path, default=''):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


# Publish-to-evicted of the competitors: (key, result file, table label), in the order run.sh runs them.
COMPETITOR_LATENCY = [
    ('redisson', 'latency-redisson.tsv', '**Redisson** 4.7.0 `RLocalCachedMap` (`fastRemove`)'),
    ('jetcache', 'latency-jetcache.tsv', '**JetCache** 2.7.8 two-level, `syncLocal` (`remove`)'),
]


def describe_competitor_latency(w, peers):
    keys = [k for k, _, _ in peers]
    w("Redisson and JetCache, measured right after nearcache with the same schedule, warm-up, sample count,")
    w("percentiles and output (`LatencySamples` in the support module), each in its own JVM on its own `redis-server`,")
    w("as two independent client instances in that JVM. Their 2,000 warm-up invalidations are their JVM's only")
    w("warm-up (nearcache's JVM also ran a discarded floor run first, which warms Lettuce but not nearcache).")
    w("")
    if 'redisson' in keys:
        w("- Redisson 4.7.0, `RedissonInvalidationLatency`: two `RedissonClient`s (`Config.useSingleServer()`")
        w("  defaults, each its own connections and threads), each with `getLocalCachedMap(LocalCachedMapOptions.name(\"bench\"))`")
        w("  — default options: sync strategy `INVALIDATE`, no eviction, unbounded local cache, Redisson's default codec.")
        w("  B writes and reads every key first. A calls `fastRemove(i)`, the closest to `invalidate(key)`: one Lua")
        w("  script that deletes the hash field and publishes an invalidation message (under `INVALIDATE`, `fastPut`")
        w("  would publish the same message after writing a value). B's time is taken in a `LocalCacheInvalidateListener`,")
        w("  Redisson's own hook: Redisson calls it after it has removed the entry from the local cache (and only if")
        w("  there was one), on Redisson's executor thread (`redisson-…`), not on the Netty I/O thread.")
    if 'jetcache' in keys:
        w("- JetCache 2.7.8, `JetCacheInvalidationLatency`: two instances wired as JetCache's Spring Boot starter wires")
        w("  one (own Lettuce `RedisClient` with its command and pub/sub connections, `CacheBuilderTemplate` with Caffeine")
        w("  over Lettuce, `NotifyMonitorInstaller`, `SimpleCacheManager`); cache `bench` of type `BOTH` with")
        w("  `syncLocal(true)` and the broadcast channel it needs, local limit 100,000 instead of the default 100 so that")
        w("  B holds every key, `fastjson2` keys and Java values as in the hit-path table, the rest default. B writes")
        w("  every key first. A calls `remove(i)`: JetCache removes the key from A's tiers and, once the remote `DEL` has")
        w("  completed, publishes a `REMOVE` broadcast (handed to its default executor if the `DEL` was still in flight).")
        w("  B's time is taken right after JetCache's own broadcast processing (`processNotification`, observed by")
        w("  subclassing `LettuceBroadcastManager`) has removed the key from B's local tier. JetCache's Lettuce")
        w("  listener hands every message to its default executor (thread `JetCacheDefaultExecutor`), which decodes")
        w("  it (Java serialization) and removes the keys; that executor is a static pool of min(4, cores) threads, so")
        w("  in this one JVM both instances share it.")
    w("")
    w("Both check that the entry is gone when the time is taken, and again for every key after the run")
    w("(`not evicted`); `lost` counts measured samples not seen on B within 5 s of the last send.")
    w("")


def machine():
    cpuinfo = read('/proc/cpuinfo')
    model = re.search(r'model name\s*:\s*(.*)', cpuinfo)
    mem = re.search(r'MemTotal:\s*(\d+) kB', read('/proc/meminfo'))
    nproc = subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()
    return {
        'cpu': model.group(1) if model else platform.processor(),
        'nproc': nproc,
        'memory': f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else '?',
        'os': f"{platform.system()} {platform.release()}",
    }




def judge(value, error, target, higher=True):
    """One figure against a goal: 'met' / 'missed' beyond the error, or 'not resolved' (the error spans it).

    higher: the goal is value >= target (else value <= target). Without an error (one sample), the point decides,
    and the verdict says so."""
    if value != value:
        return 'not measured'
    if error != error:
        ok = value >= target if higher else value <= target
        return ('met' if ok else 'missed') + ' (point only, no error)'
    lo, hi = value - error, value + error
    if (lo >= target) if higher else (hi <= target):
        return 'met'
    if (hi < target) if higher else (lo > target):
        return 'missed'
    point = value >= target if higher else value <= target
    return 'not resolved (point ' + ('meets' if point else 'misses') + ' it)'


def overall(judged):
    """The verdict of a goal over several rows (each a judge() result)."""
    if not judged:
        return 'not measured'
    judged = [j for j in judged if j != 'not measured'] or judged
    met = sum(j.startswith('met') for j in judged)
    missed = sum(j.startswith('missed') for j in judged)
    if met == len(judged):
        return f"**met** ({met} of {len(judged)})"
    if missed:
        return f"**missed** (missed on {missed} of {len(judged)}, met on {met})"
    return f"**not resolved** (met on {met} of {len(judged)}; the error spans the goal on the rest)"


def bold(j):
    """The verdict in bold, its parenthesis not: '**not resolved** (point meets it)'."""
    head, sep, tail = j.partition(' (')
    return f"**{head}**{sep}{tail}"


def load(results):
    """Return {(variant, benchmark, cache, keyType, distribution, threads): Figure} and one run."""
    samples, example = {}, None
    for path in sorted(glob.glob(os.path.join(results, 'round-*', '*.json'))):
        variant = 'base' if os.path.basename(path).startswith('base-') else 'current'
        try:
            with open(path) as f:
                runs = json.load(f)
        except (OSError, ValueError):
            continue
        for run in runs:
            example = example or run
            params = run.get('params', {})
            bench = run['benchmark'].rsplit('.', 2)[-2]
            cache = (params.get('cache') or params.get('caffeine') or params.get('options')
                     or params.get('cacheManager') or ('expiryStats' if bench == 'CaffeineHitBenchmark' else '-'))
            key = (variant, bench, cache, params.get('keyType', 'long'), params.get('distribution', 'uniform'),
                   run['threads'])
            for fork in run['primaryMetric']['rawData']:
                samples.setdefault(key, []).extend(fork)
    return {k: Figure(v) for k, v in samples.items()}, example


def median(xs):
    return statistics.median(xs) if xs else float('nan')


def spread(xs):
    return f"{min(xs):,}–{max(xs):,}" if xs else '–'


# Publish-to-evicted: (system, result file in each round, its line in that file, label).
LATENCY_SYSTEMS = [
    ('nearcache', 'latency.tsv', 'nearcache', '**nearcache** (publish-to-evicted)'),
    ('floor', 'latency.tsv', 'floor', 'pub/sub floor (listener on the I/O thread; both floor runs pooled)'),
    ('caffeine+pubsub', 'latency.tsv', 'caffeine+pubsub', 'bare Caffeine + pub/sub (applies on the I/O thread)'),
    ('base nearcache', 'latency-base.tsv', 'nearcache', 'nearcache at base'),
    ('base floor', 'latency-base.tsv', 'floor', 'pub/sub floor in the base JVM'),
    ('redisson', 'latency-redisson.tsv', 'redisson', COMPETITOR_LATENCY[0][2]),
    ('jetcache', 'latency-jetcache.tsv', 'jetcache', COMPETITOR_LATENCY[1][2]),
]


def latency_rounds(results):
    """[(directory, {system: row})] of the publish-to-evicted rounds; a row with no sample counts as absent."""
    dirs = sorted(glob.glob(os.path.join(results, 'latency-round-*')), key=lambda d: int(d.rsplit('-', 1)[1]))
    found = []
    for d in dirs:
        rows = {}
        for system, name, line, _ in LATENCY_SYSTEMS:
            row = next((r for r in tsv(os.path.join(d, name)) if r[0] == line), None)
            if row and len(row) >= 9:
                rows[system] = row
        if rows:
            found.append((d, rows))
    return found


def allocation_account(rounds):
    """{(file, path, group): [bytes per invalidation, one per round]} from the latency rounds' per-thread account."""
    found = {}
    for d, _ in rounds:
        for name in ('latency', 'latency-base'):
            for r in tsv(os.path.join(d, f'{name}-allocation.tsv')):
                if len(r) >= 6 and int(r[5]) > 0:
                    found.setdefault((name, r[0], r[1]), []).append(int(r[2]) / int(r[5]))
    return found


def jmh_allocation(results, variant):
    """{benchmark method: (B/op, error, ops/s Figure-like string)} from allocation-<variant>.json (-prof gc)."""
    try:
        with open(os.path.join(results, f'allocation-{variant}.json')) as f:
            runs = json.load(f)
    except (OSError, ValueError):
        return {}
    out = {}
    for run in runs:
        norm = next((m for k, m in run.get('secondaryMetrics', {}).items() if k.endswith('gc.alloc.rate.norm')), None)
        if norm:
            out[run['benchmark'].rsplit('.', 1)[-1]] = (float(norm['score']), float(norm.get('scoreError', 'nan')))
    return out


def b(x):
    return 'n/a' if x != x else f"{x:,.0f} B"


def main(results):
    figures, run = load(results)
    variants = dict(line.split('\t', 1) for line in read(os.path.join(results, 'variants.tsv')).splitlines()
                    if '\t' in line)
    rounds_n = len(glob.glob(os.path.join(results, 'round-*')))
    m = machine()
    threads = sorted({k[5] for k in figures})
    lat = latency_rounds(results)
    throughput = {v: tsv(os.path.join(results, f"throughput{'' if v == 'current' else '-' + v}.tsv"))
                  for v in ('current', 'base')}
    if run is None and not lat and not throughput['current'] and not tsv(os.path.join(results, 'failures.tsv')):
        sys.exit("no results in " + results)
    out = []
    w = out.append
    summary = []  # (goal, result, verdict)

    def get(bench, cache, key_type, distribution, t, variant='current'):
        return figures.get((variant, bench, cache, key_type, distribution, t))

    w("# Benchmarks")
    w("")
    w("Generated by `benchmarks/run.sh` (do not edit by hand; re-run it). Issues 7 and 19. Throughput in operations")
    w("per second, higher is better; `±` is JMH's error (half-width of the 99.9% confidence interval over the pooled")
    w("iterations); ratios carry both errors in quadrature. Latency percentiles are given per round with their")
    w("median and spread (min–max) over the rounds. A verdict is *met* or *missed* only beyond the error; where the")
    w("error spans the goal it is *not resolved*. Only ratios within one run mean anything: absolute figures depend")
    w("on the machine and on what else it was doing.")
    w("")
    SUMMARY_AT = len(out)
    w("## Machine and settings")
    w("")
    w(f"- CPU: {m['cpu']}, `nproc` = {m['nproc']}; memory {m['memory']}; {m['os']}")
    if run:
        w(f"- JDK: {run['jdkVersion']} ({run['vmName']} {run['vmVersion']}); JMH {run['jmhVersion']}; "
          f"fork JVM options `{' '.join(run['jvmArgs'])}`")
    if 'current' in variants:
        w(f"- nearcache measured: {variants['current']} (`autoconfigure` jar built by the run)")
    if 'base' in variants:
        w(f"- before/after base (`BASE`): {variants['base']} — its `autoconfigure` jar built in a throwaway worktree, "
          "first on the class path of the same benchmark jars, run interleaved with the working tree in each round")
    w(f"- Started {read(os.path.join(results, 'started.txt'))}, ended {read(os.path.join(results, 'ended.txt'), '?')}."
      f" Load average at start: `{read(os.path.join(results, 'load-start.txt'))}`; at end: "
      f"`{read(os.path.join(results, 'load-end.txt'))}`")
    loads = [float(x) for x in re.findall(r'load average: ([\d.]+)', read(os.path.join(results, 'load-start.txt'))
                                          + read(os.path.join(results, 'load-end.txt')))]
    if loads and m['nproc'].isdigit() and max(loads) > int(m['nproc']):
        w(f"- **Warning: the load average ({max(loads):.1f}) exceeded the {m['nproc']} cores.** The benchmark threads got")
        w("  a varying fraction of a core and the errors are wide; read only differences larger than the errors.")
    if run:
        w(f"- JMH (hit path, `@Cacheable`): throughput mode; {rounds_n} round(s), each running every configuration in "
          f"one fork of {run['warmupIterations']} × {run['warmupTime']} warm-up and {run['measurementIterations']} × "
          f"{run['measurementTime']} measurement; a figure pools the measured iterations of all rounds "
          f"({rounds_n * run['measurementIterations']} samples).")
    w("- Workload: 10,000 keys, 100-byte values (`byte[100]`), all present (warm); keys `\"product:<n>\"` (`string`)")
    w("  or boxed `Long` (`long`); reads follow a precomputed sequence of 65,536 keys drawn uniformly or from a Zipf")
    w("  distribution (exponent 0.99), each thread starting at a random place in it.")
    w("- Caches: all Caffeine with nearcache's benchmark settings, maximum size 100,000 and (where there is expiry)")
    w("  5 min after write. `NearCache` is local only (`InvalidationPublisher.NONE`, null TTL 30 s, statistics for")
    w("  `cache.gets`); Spring's `CaffeineCache` is over `expireAfterWrite(5 min)` + `recordStats()`.")
    w("")

    # ---- hit path
    RAW = [('expiry', 'raw Caffeine `getIfPresent`, maximumSize + expireAfterWrite, no statistics'),
           ('sizeOnly', 'raw Caffeine, maximumSize only, no statistics'),
           ('expiryStats', 'raw Caffeine, maximumSize + expireAfterWrite **+ recordStats** (statistics recorded)')]
    configs = [(k, d, t) for k in ('string', 'long') for d in ('uniform', 'zipf') for t in threads
               if get('SpringCacheHitBenchmark', 'nearcache', k, d, t)]
    if configs:
        w("## Hit path: nearcache against raw Caffeine and Spring's CaffeineCache (issue 19)")
        w("")
        w("Operations per second. *wrapper returned*: `Cache.get`'s `ValueWrapper` goes to JMH, so a wrapper allocated")
        w("per hit is paid (Spring's `CaffeineCache` allocates a `SimpleValueWrapper`; `NearCache` returns the entry it")
        w("stores). *unwrapped*: the caller calls `.get()` on it and only the value goes to JMH, as `@Cacheable` does")
        w("once inlined: escape analysis may then remove the wrapper, so the difference shows which figure depends on")
        w("it. The raw Caffeine rows are `getIfPresent` on a cache with the same maximum size and TTL as nearcache.")
        w("")
        cols = [('nearcache', 'SpringCacheHitBenchmark', 'nearcache')] + \
               [(label, 'CaffeineHitBenchmark', c) for c, label in RAW] + \
               [('Spring `CaffeineCache` (wrapper returned)', 'SpringCacheHitBenchmark', 'caffeineCache'),
                ('Spring `CaffeineCache` (unwrapped)', 'SpringCacheUnwrappedHitBenchmark', 'caffeineCache'),
                ('nearcache (unwrapped)', 'SpringCacheUnwrappedHitBenchmark', 'nearcache'),
                ('Spring `CaffeineCache` (variable expiry)', 'SpringCacheHitBenchmark', 'caffeineCacheVariableExpiry')]
        cols = [c for c in cols if any(get(c[1], c[2], *cfg) for cfg in configs)]
        w("| keys | distribution | threads | " + " | ".join(c[0] for c in cols) + " |")
        w("|---|---|---|" + "---|" * len(cols))
        for cfg in configs:
            w(f"| {cfg[0]} | {cfg[1]} | {cfg[2]} | " + " | ".join(str(get(c[1], c[2], *cfg) or '–') for c in cols) + " |")
        w("")
        w("| keys | distribution | threads | nearcache / raw same expiry (goal ≥ 2.5) | verdict "
          "| nearcache / raw size only (stretch ≥ 0.8) | verdict | nearcache / `CaffeineCache` (issue 7: ≥ 1.0) | verdict "
          "| `CaffeineCache` unwrapped / wrapper returned |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        goal, stretch, issue7 = [], [], []
        for cfg in configs:
            nc = get('SpringCacheHitBenchmark', 'nearcache', *cfg)
            cells = []
            for bench, cache, target, bucket in (('CaffeineHitBenchmark', 'expiry', 2.5, goal),
                                                 ('CaffeineHitBenchmark', 'sizeOnly', 0.8, stretch),
                                                 ('SpringCacheHitBenchmark', 'caffeineCache', 1.0, issue7)):
                other = get(bench, cache, *cfg)
                if other:
                    r = Ratio(nc, other)
                    j = judge(r.value, r.error, target)
                    bucket.append(j)
                    cells += [str(r), bold(j)]
                else:
                    cells += ['–', 'not measured']
            wrapped = get('SpringCacheHitBenchmark', 'caffeineCache', *cfg)
            unwrapped = get('SpringCacheUnwrappedHitBenchmark', 'caffeineCache', *cfg)
            cells.append(str(Ratio(unwrapped, wrapped)) if wrapped and unwrapped else '–')
            w(f"| {cfg[0]} | {cfg[1]} | {cfg[2]} | " + " | ".join(cells) + " |")
        w("")
        res = lambda js: f"{sum(j.startswith('met') for j in js)} of {len(js)} configurations met beyond the error"
        summary.append(("Hit: nearcache ≥ 2.5 × raw Caffeine, same maximumSize + expireAfterWrite, no statistics "
                        "(every configuration)", res(goal), overall(goal)))
        summary.append(("Hit (stretch): nearcache ≥ 0.8 × raw Caffeine, maximumSize only, no statistics",
                        res(stretch), overall(stretch)))
        summary.append(("Hit (issue 7): nearcache ≥ 1.0 × Spring `CaffeineCache`", res(issue7), overall(issue7)))
        w(f"Goal (issue 19): nearcache ≥ 2.5 × raw Caffeine with the same expiry and no statistics, on every row: "
          f"{overall(goal)}. Stretch, ≥ 0.8 × raw Caffeine with no expiry and no statistics: {overall(stretch)}.")
        w("")

        base_rows = [(cfg, get('SpringCacheHitBenchmark', 'nearcache', *cfg, 'base'),
                      get('SpringCacheHitBenchmark', 'nearcache', *cfg)) for cfg in configs]
        if any(bf for _, bf, _ in base_rows):
            w("### Hit path before/after (nearcache at base and in the working tree, same run)")
            w("")
            w("| keys | distribution | threads | base | current | current / base |")
            w("|---|---|---|---|---|---|")
            for cfg, bf, cf in base_rows:
                w(f"| {cfg[0]} | {cfg[1]} | {cfg[2]} | {bf or '–'} | {cf} | {Ratio(cf, bf) if bf else '–'} |")
            w("")

    competitors = [('RedissonLocalCachedMapBenchmark', 'default', 'Redisson `RLocalCachedMap` (default)'),
                   ('RedissonLocalCachedMapBenchmark', 'objectKey', 'Redisson `RLocalCachedMap` (`useObjectAsCacheKey`)'),
                   ('JetCacheTwoLevelBenchmark', '-', 'JetCache two-level, local hit'),
                   ('RedisCacheBenchmark', '-', 'Spring `RedisCacheManager` (no near cache)')]
    if any(get(bn, c, k, 'uniform', t) for bn, c, _ in competitors for k in ('string', 'long') for t in threads):
        w("## Hit path: nearcache against other near caches and plain Redis")
        w("")
        w("Uniform keys. Redisson 4.7.0 (its default codec), JetCache 2.7.8 (Caffeine local tier, `fastjson2` key")
        w("convertor, Java value encoding; no Spring), Spring Data Redis `RedisCacheManager.create` on Lettuce; each")
        w("against its own `redis-server`, each built in its own Maven module on its own dependency versions.")
        w("")
        w("| cache | keys | threads | ops/s | nearcache / it | verdict (issue 7: ≥ 10) |")
        w("|---|---|---|---|---|---|")
        tens = []
        for bench, cache, label in competitors:
            for key_type in ('string', 'long'):
                for t in threads:
                    f = get(bench, cache, key_type, 'uniform', t)
                    nc = get('SpringCacheHitBenchmark', 'nearcache', key_type, 'uniform', t)
                    if f:
                        r = Ratio(nc, f) if nc else None
                        j = judge(r.value, r.error, 10.0) if r and cache in ('default', '-') and \
                            bench != 'RedisCacheBenchmark' else None
                        if j:
                            tens.append(j)
                        w(f"| {label} | {key_type} | {t} | {f} | {r or '–'} | {bold(j) if j else '–'} |")
        w("")
        if tens:
            summary.append(("Hit (issue 7): nearcache ≥ 10 × Redisson and JetCache (default configurations)",
                            f"{sum(j.startswith('met') for j in tens)} of {len(tens)} rows met", overall(tens)))

    # ---- proxy
    proxy = [('nearcache', 'nearcache (`NearCacheManager` + `CacheFillAdvisor`)'),
             ('caffeineCacheManager', 'Spring `CaffeineCacheManager`'),
             ('nearcacheWithoutFillAdvisor', 'diagnosis: nearcache without `CacheFillAdvisor`')]
    if any(get('CacheableProxyBenchmark', c, 'long', 'uniform', t) for c, _ in proxy for t in threads):
        w("## End to end through a `@Cacheable` proxy (issue 19: nearcache ≥ `CaffeineCacheManager`, same TTL)")
        w("")
        w("`Catalog.find(Long)` annotated `@Cacheable(\"bench\")` on a plain Spring context with `@EnableCaching`;")
        w("warm hit, Long keys, uniform. nearcache: its `NearCacheManager` (local only) and the `CacheFillAdvisor` the")
        w("starter registers; `CaffeineCacheManager`: `maximumSize(100,000)`, `expireAfterWrite(5 min)`, `recordStats()`.")
        w("Same TTL and maximum size on both: each trial reads them back from the Caffeine cache's `policy()` and fails")
        w("if they differ (`cache settings:` in the JMH logs).")
        settings = sorted({s for p in glob.glob(os.path.join(results, 'round-*', '*proxy-*.log'))
                           for s in re.findall(r'cache settings: (.*)', read(p))})
        if settings:
            w("Read back in this run: " + "; ".join(f"`{s}`" for s in settings) + ".")
        w("The third column is a diagnosis only (without the advisor every fill would be broadcast as a write).")
        w("")
        w("| threads | " + " | ".join(label for _, label in proxy) + " | nearcache at base "
          "| nearcache / `CaffeineCacheManager` | verdict | current / base |")
        w("|---|---|---|---|---|---|---|---|")
        judged = []
        for t in threads:
            row = [get('CacheableProxyBenchmark', c, 'long', 'uniform', t) for c, _ in proxy]
            base = get('CacheableProxyBenchmark', 'nearcache', 'long', 'uniform', t, 'base')
            r = Ratio(row[0], row[1]) if row[0] and row[1] else None
            j = judge(r.value, r.error, 1.0) if r else 'not measured'
            if r:
                judged.append(j)
            w(f"| {t} | " + " | ".join(str(f) if f else '–' for f in row) + f" | {base or '–'} | {r or '–'} | {bold(j)} "
              f"| {Ratio(row[0], base) if row[0] and base else '–'} |")
        w("")
        summary.append(("`@Cacheable` proxy: nearcache ≥ 1.0 × `CaffeineCacheManager`, same TTL",
                        f"{sum(j.startswith('met') for j in judged)} of {len(judged)} thread counts met", overall(judged)))

    # ---- latency
    if lat:
        interval = read(os.path.join(results, 'latency-interval.txt'), '?')
        n = len(lat)
        w("## Invalidation latency: publish-to-evicted between two instances (issue 19)")
        w("")
        w("`InvalidationLatency` (a main class, not JMH): two nearcache instances in one JVM (shared clock), each wired")
        w("as the starter wires it with the default properties, on one `redis-server` on loopback. Instance A calls")
        w(f"`NearCacheInvalidator.invalidate(\"bench\", i)` at a steady rate, one every {interval} µs (open loop); the")
        w("time is taken just before the call. On B, whose cache holds every key, the time is taken on the applying")
        w("thread right after the real applier returned, for the keys gone from Caffeine then; `not evicted` counts")
        w("keys still cached after the run. 2,000 warm-up invalidations are not counted. In the same JVM: the pub/sub")
        w("floor (plain Lettuce `PUBLISH` to a listener on the I/O thread, run before and after nearcache, pooled) and")
        w("a bare near cache (Caffeine with the same settings, invalidated by a Lettuce listener on the I/O thread).")
        w("nearcache at base runs the same class (nearcache and floor only) on the base jar, in its own JVM.")
        w("")
        peers = [(k, label, None) for k, _, label in COMPETITOR_LATENCY
                 if any(k in rows for _, rows in lat)]
        if peers:
            describe_competitor_latency(w, peers)
        w(f"{n} round(s), one after the other, each running every system once (the nearcache JVMs first, their order")
        w("alternating). Per system: p50 / p99 in µs of each round, then the median over the rounds and the spread.")
        w("")
        w("| system | " + " | ".join(f"round {i} p50 / p99" for i in range(1, n + 1))
          + " | median p50 | p50 spread | median p99 | p99 spread | lost | not evicted |")
        w("|---|" + "---|" * n + "---|---|---|---|---|---|")
        med = {}
        for system, _, _, label in LATENCY_SYSTEMS:
            per = [rows.get(system) for _, rows in lat]
            if not any(per):
                continue
            got = [r for r in per if r and int(r[1]) > 0]
            p50s, p99s = [int(r[2]) for r in got], [int(r[4]) for r in got]
            med[system] = (median(p50s), median(p99s))
            lost = sum(int(r[7]) for r in per if r)
            stale = sum(int(r[8]) for r in per if r)
            w(f"| {label} | " + " | ".join((f"{int(r[2]):,} / {int(r[4]):,}" if int(r[1]) > 0 else 'all lost')
                                           if r else '–' for r in per)
              + f" | {fmt_us(med[system][0])} | {spread(p50s)} | {fmt_us(med[system][1])} | {spread(p99s)} "
              f"| {lost:,} | {stale:,} |")
        w("")
        w("Load average when each JVM started, per round: " + "; ".join(
            f"round {i}: " + ", ".join(f"{name.replace('latency-', '').replace('latency', 'nearcache')} "
                                      f"{load_average(os.path.join(d, f'load-{name}.txt')).split(' ')[0]}"
                                      for name in ('latency', 'latency-base', 'latency-redisson', 'latency-jetcache')
                                      if os.path.exists(os.path.join(d, f'load-{name}.txt')))
            for i, (d, _) in enumerate(lat, 1)) + ".")
        w("")
        for prefix, title in (('', 'current'), ('base ', 'base')):
            diffs = [int(rows[prefix + 'nearcache'][2]) - int(rows[prefix + 'floor'][2]) for _, rows in lat
                     if prefix + 'nearcache' in rows and prefix + 'floor' in rows and int(rows[prefix + 'nearcache'][1]) > 0]
            if not diffs:
                if prefix == '':
                    summary.append(("Latency: nearcache p50 ≤ floor p50 + 50 µs", "nearcache not timed", "**not measured**"))
                continue
            j = 'met' if median(diffs) <= 50 else 'missed'
            text = (f"nearcache p50 − floor p50 (same JVM) per round: {', '.join(f'{d:,}' for d in diffs)} µs; median "
                    f"{fmt_us(median(diffs))} µs, ≤ 50 in {sum(d <= 50 for d in diffs)} of {len(diffs)} rounds")
            if prefix == '':
                w(f"Goal: p50 ≤ floor + 50 µs (median over the rounds of the paired difference): {text}: **{j}**.")
                summary.append(("Latency: nearcache p50 ≤ floor p50 + 50 µs", text, f"**{j}**"))
            else:
                w(f"At base: {text}.")
        w("")
        if 'nearcache' in med:
            nc99 = med['nearcache'][1]
            names = {'redisson': 'Redisson', 'jetcache': 'JetCache'}
            have = [k for k in names if k in med]
            per_round = sum(all(k in rows and int(rows['nearcache'][4]) < int(rows[k][4]) for k in names)
                            for _, rows in lat if 'nearcache' in rows and int(rows['nearcache'][1]) > 0)
            text = (f"median p99 nearcache {fmt_us(nc99)} µs; " + "; ".join(
                f"{names[k]} {fmt_us(med[k][1])} µs" for k in have)
                + (f"; below both in {per_round} of {n} rounds" if len(have) == 2 else ""))
            if len(have) < 2:
                j = 'not evaluated' + (f" ({', '.join(names[k] for k in names if k not in have)} not measured)")
            else:
                j = 'met' if all(nc99 < med[k][1] for k in have) else 'missed'
            w(f"Goal: median p99 of nearcache below both Redisson's and JetCache's: {text}: {bold(j)}.")
            summary.append(("Latency: median p99 of nearcache < Redisson's and JetCache's", text, bold(j)))
            w("")
        if 'base nearcache' in med and 'nearcache' in med:
            w("Before/after (medians over the same rounds): p50 "
              f"{fmt_us(med['base nearcache'][0])} → {fmt_us(med['nearcache'][0])} µs, p99 "
              f"{fmt_us(med['base nearcache'][1])} → {fmt_us(med['nearcache'][1])} µs.")
            w("")

    # ---- allocation
    absent = read(os.path.join(results, 'allocation-absent.txt'))
    jmh_alloc = {v: jmh_allocation(results, v) for v in ('current', 'base')}
    account = allocation_account(lat)
    if jmh_alloc['current'] or absent or account:
        w("## Allocation per invalidation (issue 19: ≤ 1 KB on the caller and on the receiver beyond Lettuce's own)")
        w("")
        roles = {'encode': ('caller', 'Allocation: caller ≤ 1 KB per invalidation (JMH `encode`)'),
                 'decodeApply': ('receiver', 'Allocation: receiver ≤ 1 KB per invalidation (JMH `decodeApply`)')}
        if jmh_alloc['current']:
            w("`InvalidationAllocationBenchmark` with JMH's `-prof gc`: `gc.alloc.rate.norm`, bytes allocated per")
            w("operation ± JMH's error, nearcache's own code without Lettuce.")
            w("")
            w("| benchmark | side | current B/op | base B/op | verdict (≤ 1,024 B) |")
            w("|---|---|---|---|---|")
            for method, (score, err) in sorted(jmh_alloc['current'].items()):
                base = jmh_alloc['base'].get(method)
                j = judge(score, err, 1024, higher=False)
                side, goal = roles.get(method, ('–', None))
                pm = lambda v, e: f"{v:,.0f} ± {e:,.0f}" if e == e else f"{v:,.0f} ± n/a"
                w(f"| `{method}` | {side} | {pm(score, err)} | "
                  + (pm(*base) if base else 'not run (see failures)' if 'base' in variants else '–')
                  + f" | {bold(j)} |")
                if goal:
                    summary.append((goal, f"{pm(score, err)} B/op", bold(j)))
            w("")
        elif absent:
            w(f"**Skipped:** {absent} (another change adds it); the JMH verdict is not evaluated. The per-thread")
            w("account below is the run's own figure in the meantime.")
            w("")
            summary.append(("Allocation: caller and receiver ≤ 1 KB per invalidation (JMH)",
                            "InvalidationAllocationBenchmark absent", "**not measured**"))
        if account:
            paths = [('latency', 'floor', 'floor'), ('latency', 'nearcache', 'nearcache'),
                     ('latency', 'caffeine+pubsub', 'bare Caffeine + pub/sub'),
                     ('latency-base', 'floor', 'floor (base JVM)'), ('latency-base', 'nearcache', 'nearcache at base')]
            paths = [p for p in paths if any(k[0] == p[0] and k[1] == p[1] for k in account)]
            groups = ['caller', 'receiver', 'echo', 'publisher', 'lettuce-io', 'other']
            w("In place, from the publish-to-evicted runs: bytes allocated per measured invalidation by each group of")
            w("threads (`ThreadMXBean.getThreadAllocatedBytes`, exact, warm-up excluded), median over the rounds.")
            w("*caller*: A's thread calling `invalidate` (the floor's: Lettuce's own `PUBLISH` of a short string);")
            w("*receiver*: the thread that applied on B; *echo*: A's applying thread (A decodes its own messages);")
            w("*lettuce-io*: the I/O threads of every Lettuce client in the JVM (two instances, so two receptions per")
            w("message where the floor has one).")
            w("")
            w("| group | " + " | ".join(p[2] for p in paths) + " |")
            w("|---|" + "---|" * len(paths))
            for g in groups:
                cells = [account.get((p[0], p[1], g)) for p in paths]
                if any(cells):
                    w(f"| {g} | " + " | ".join(f"{b(median(c))}" + (f" ({b(min(c))}–{b(max(c))})" if len(c) > 1 else '')
                                               if c else '–' for c in cells) + " |")
            w("")
            for file, label in (('latency', 'current'), ('latency-base', 'base')):
                caller = account.get((file, 'nearcache', 'caller'))
                floor_caller = account.get((file, 'floor', 'caller'))
                receiver = account.get((file, 'nearcache', 'receiver'))
                if not (caller and floor_caller and receiver):
                    continue
                beyond = median(caller) - median(floor_caller)
                jc = 'met' if beyond <= 1024 else 'missed'
                jr = 'met' if median(receiver) <= 1024 else 'missed'
                w(f"{'In place' if label == 'current' else 'At base'}: caller beyond Lettuce's own (nearcache caller − floor "
                  f"caller) {b(beyond)} per invalidation: **{jc}**; receiver {b(median(receiver))}: **{jr}**.")
                if label == 'current':
                    summary.append(("Allocation in place: caller beyond Lettuce's own ≤ 1 KB per invalidation",
                                    b(beyond), f"**{jc}**"))
                    summary.append(("Allocation in place: receiver ≤ 1 KB per invalidation", b(median(receiver)),
                                    f"**{jr}**"))
            w("")

    # ---- throughput
    if throughput['current']:
        w("## Invalidation throughput: one writer, three receivers (issue 19)")
        w("")
        w(f"Load average when it started: {load_average(os.path.join(results, 'load-throughput.txt'))}. "
          "`InvalidationThroughput` (a main class): four instances")
        w("wired like the starter with the default properties of the nearcache jar they run on (publish timeout 2 s,")
        w("`max-pending-keys` 100,000 per cache in the working tree and 10,000 at base, receive queue 10,000 messages)")
        w("in one JVM on one `redis-server`: one writer and **3 receivers**. The writer's")
        w("4 threads invalidate distinct `Long` keys: *single* = `invalidate(cache, key)`, one key per call; *batch* =")
        w("`invalidateAll(cache, keys)`, 100 keys per call. Zero loss: every receiver's `remoteInvalidations` grows by")
        w("the number of keys. *Paced* runs offer a fixed rate (about 2 s each); *unpaced* ones go as fast as they can.")
        w("Where the limit is: *published* is keys over the time until the writer's last message went out; *applied*")
        w("is the slowest receiver's rate; CPU is % of one core over the run: Redis (`INFO cpu` before/after), the")
        w("publishing thread, the busiest applying thread, all Lettuce I/O threads, the writer threads.")
        w("")

        def table(rows):
            w("| mode | keys/call | asked keys/s | offered | published | applied (slowest of 3) | lost | keys/message "
              "| clears | publish failures | drops | Redis CPU % | publisher % | busiest applying % | Lettuce I/O % "
              "| writers % |")
            w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
            for r in rows:
                ext = r[16:22] if len(r) >= 22 else ['–'] * 6
                w(f"| {r[0]} | {r[2]} | {'unpaced' if r[4] == '0' else f'{int(r[4]):,}'} | {int(r[5]):,} | "
                  + (f"{int(ext[0]):,}" if ext[0] != '–' else '–')
                  + f" | {int(r[7]):,} | {int(r[9]):,} | {r[11]} | {r[12]} | {r[14]} | {r[15]} | "
                  + " | ".join(ext[1:]) + " |")
            w("")

        def best(rows):
            found = {}
            for r in rows:
                if r[9] == '0' and r[14] == '0' and r[15] == '0':
                    found[r[0]] = max(found.get(r[0], 0), int(r[7]))
            return found

        def limit(rows, mode):
            """Where the first run of a mode that lost keys or fell short of its asked rate stopped."""
            for r in sorted((r for r in rows if r[0] == mode), key=lambda r: (r[4] == '0', int(r[4]))):
                asked = int(r[4])
                short = r[9] != '0' or (asked and int(r[7]) < 0.9 * asked)
                if not short:
                    continue
                offered, applied = int(r[5]), int(r[7])
                where = []
                if asked and offered < 0.9 * asked:
                    where.append(f"the writer threads offered {offered:,} of {asked:,} keys/s")
                if len(r) >= 22:
                    published = int(r[16])
                    if published < 0.9 * offered:
                        where.append(f"the publisher sent {published:,} keys/s of {offered:,} offered")
                    elif applied < 0.9 * published:
                        where.append(f"the receivers applied {applied:,} keys/s of {published:,} published")
                    hot = [f"{name} {v}%" for name, v in (('Redis', r[17]), ('publishing thread', r[18]),
                                                          ('busiest applying thread', r[19])) if int(v) >= 85]
                    if hot:
                        where.append("near a full core: " + ", ".join(hot))
                    else:
                        where.append("no measured thread nor Redis near a full core (waiting for a core or on a"
                                     " hand-off, not computing)")
                return (f"{'unpaced' if not asked else f'at {asked:,} keys/s asked'}: "
                        + ("; ".join(where) if where else f"{int(r[9]):,} keys lost to clears ({r[12]} clears)"))
            return None

        table(throughput['current'])
        cur = best(throughput['current'])
        for mode, goal_rate, label in (('single', 250_000, 'non-batched (one key per call)'),
                                       ('batch', 1_000_000, 'batched (100 keys per call)')):
            got = cur.get(mode)
            j = 'met' if got and got >= goal_rate else 'missed' if any(r[0] == mode for r in throughput['current']) \
                else 'not measured'
            lim = limit(throughput['current'], mode)
            text = (f"{got:,} keys/s with zero loss" if got else "no run without loss") + (f"; limit {lim}" if lim else "")
            w(f"Goal: ≥ {goal_rate:,} keys/s {label}, zero loss on 3 receivers: {text}: **{j}**.")
            summary.append((f"Throughput {label}: ≥ {goal_rate:,} keys/s, zero loss, 3 receivers", text, f"**{j}**"))
        w("")
        w("The figure is a lower bound: the highest rate all three receivers applied without loss among the steps run.")
        w("Unpaced, once more than `max-pending-keys` of one cache are pending the publisher sends a clear of the cache")
        w("instead (safe, nothing stays stale), counted here as lost keys with `clears` > 0.")
        w("")
        if throughput['base']:
            w("### Throughput at base (same steps, same run)")
            w("")
            table(throughput['base'])
            old = best(throughput['base'])
            w("Before/after, highest zero-loss rate: " + "; ".join(
                f"{mode} {old.get(mode, 0):,} → {cur.get(mode, 0):,} keys/s" for mode in ('single', 'batch')) + ".")
            w("")

    # ---- memory (issue 7)
    memory = tsv(os.path.join(results, 'memory.tsv'))
    if memory:
        rows = {r[0]: r for r in memory}
        w("## Memory: bytes per cached entry")
        w("")
        w(f"Load average when it started: {load_average(os.path.join(results, 'load-memory.txt'))}. "
          "`MemoryFootprint` (JOL 0.17 `GraphLayout`): the retained graph")
        w("of one Spring `Cache` object holding 100,000 entries minus the same object measured empty just before, per")
        w("entry (each cache gets key and value objects of its own: the graph JOL walks from any cache reaches the")
        w("JVM's threads and so earlier caches). Keys are boxed `Long`s, values distinct 100-character `String`s;")
        w("maximum size 100,000, 5 min TTL, statistics.")
        w("")
        w("| cache | bytes per entry | without key and value | nearcache / it |")
        w("|---|---|---|---|")
        nc = float(rows['nearcache'][2]) if 'nearcache' in rows else None
        labels = {'key+value': 'the key and value objects alone', 'nearcache': 'NearCache',
                  'caffeineCache': 'Spring `CaffeineCache`', 'caffeineCacheVariableExpiry': 'Spring `CaffeineCache` (variable expiry)'}
        for name in ('key+value', 'nearcache', 'caffeineCache', 'caffeineCacheVariableExpiry'):
            if name in rows:
                r = rows[name]
                ratio = f"{nc / float(r[2]):.3f}" if nc and name.startswith('caffeine') else '–'
                w(f"| {labels[name]} | {float(r[2]):.1f} | {float(r[3]):.1f} | {ratio} |")
        w("")
        if nc and 'caffeineCache' in rows:
            ratio = nc / float(rows['caffeineCache'][2])
            j = 'met' if ratio <= 1.2 else 'missed'
            w(f"Target (issue 7): ≤ 1.2 × Spring `CaffeineCache`'s bytes per entry. {ratio:.3f}×: **{j}**.")
            w("")
            summary.append(("Memory (issue 7): ≤ 1.2 × Spring `CaffeineCache` bytes per entry", f"{ratio:.3f}×",
                            f"**{j}**"))

    failures = tsv(os.path.join(results, 'failures.tsv'))
    if failures:
        w("## Failed or skipped in this run")
        w("")
        w("A benchmark that failed is left out of the tables above (its log is in `benchmarks/target/results/`); on")
        w("the base jar that usually means the benchmark uses API the base commit does not have.")
        w("")
        w("| run | first error line |")
        w("|---|---|")
        for r in failures:
            w(f"| `{r[0]}` | {(r[1] if len(r) > 1 else '').replace('|', '/')} |")
        w("")

    w("## Reproduce")
    w("")
    w("```sh")
    w("benchmarks/run.sh                 # builds with -Pbenchmarks, runs everything, writes this file (~35 min)")
    w("BASE= benchmarks/run.sh           # without before/after")
    w("BASE=<rev> benchmarks/run.sh      # before/after against another revision (default 09978e8)")
    w("```")
    w("")
    w("Options are documented at the top of `benchmarks/run.sh`. The default build (`./mvnw verify`) neither builds")
    w("nor runs the benchmarks. Raw results and every JVM's log: `benchmarks/target/results/`.")

    top = ["## Verdicts", "", "| goal | result | verdict |", "|---|---|---|"]
    top += [f"| {g} | {r} | {v} |" for g, r, v in summary] or ["| – | nothing measured | – |"]
    top.append("")
    out[SUMMARY_AT:SUMMARY_AT] = top
    print("\n".join(out))


def fmt_us(x):
    return 'n/a' if x != x else f"{x:,.0f}" if x == int(x) else f"{x:,.1f}"


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'benchmarks/target/results')
