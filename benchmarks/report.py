#!/usr/bin/env python3
"""Turns the JMH JSON results written by run.sh into docs/benchmarks.md (printed on stdout).

Every configuration ran once per round, one fork each; a figure here is the mean of all measured iterations
of all its forks, and its error is JMH's: the half-width of the 99.9% confidence interval, Student's t over
those iterations (what JMH prints for several forks of one run). Ratios carry both errors in quadrature.
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
        return f"{self.value:.2f} ± {self.error:.2f}"


def verdict(ratios, target):
    """Say which rows meet a ratio target beyond the error, which miss it beyond the error, which are open."""
    met = [n for n, r in ratios if r.value - r.error >= target]
    missed = [f"{n} ({r})" for n, r in ratios if r.value + r.error < target]
    open_ = [f"{n} ({r})" for n, r in ratios if r.value - r.error < target <= r.value + r.error]
    parts = [f"Met beyond the error on {len(met)} of {len(ratios)} rows."]
    if missed:
        parts.append("Missed beyond the error: " + "; ".join(missed) + ".")
    if open_:
        below = [x for x, (_, r) in zip(open_, [p for p in ratios if p[1].value - p[1].error < target <= p[1].value + p[1].error]) if r.value < target]
        parts.append(f"Not resolved (the error spans {target:g}) on {len(open_)} rows"
                     + (", of which the point estimate is below it on: " + "; ".join(below) if below else "") + ".")
    return " ".join(parts)


def fmt(ops):
    if ops != ops:
        return "n/a"
    if ops >= 1e6:
        return f"{ops / 1e6:.2f}M"
    if ops >= 1e3:
        return f"{ops / 1e3:.1f}k"
    return f"{ops:.0f}"


def load(results):
    """Return {(variant, benchmark, cache, keyType, distribution, threads): [iteration scores]} and one run."""
    samples, example = {}, None
    for path in sorted(glob.glob(os.path.join(results, 'round-*', '*.json'))):
        variant = os.path.basename(path).split('-')[0]
        variant = variant if variant in ('before', 'after') else 'current'
        with open(path) as f:
            runs = json.load(f)
        for run in runs:
            example = example or run
            params = run.get('params', {})
            bench = run['benchmark'].rsplit('.', 2)[-2]
            cache = params.get('cache') or params.get('options') or '-'
            key = (variant, bench, cache, params['keyType'], params['distribution'], run['threads'])
            for fork in run['primaryMetric']['rawData']:
                samples.setdefault(key, []).extend(fork)
    return {k: Figure(v) for k, v in samples.items()}, example


def read(path, default=''):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


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


def main(results):
    figures, run = load(results)
    if run is None:
        sys.exit("no results in " + results)
    variants = dict(line.split('\t', 1) for line in read(os.path.join(results, 'variants.tsv')).splitlines())
    rounds = len(glob.glob(os.path.join(results, 'round-*')))
    m = machine()
    threads = sorted({k[5] for k in figures})
    out = []
    w = out.append

    def get(bench, cache, key_type, distribution, t, variant='current'):
        return figures.get((variant, bench, cache, key_type, distribution, t))

    w("# Benchmarks")
    w("")
    w("Generated by `benchmarks/run.sh` (do not edit by hand; re-run it). Issue 7. Throughput in operations per")
    w("second, higher is better; `±` is JMH's error (half-width of the 99.9% confidence interval). Only ratios")
    w("within one run mean anything: the absolute figures depend on the machine and on what else it was doing.")
    w("")
    w("## Machine and settings")
    w("")
    w(f"- CPU: {m['cpu']}, `nproc` = {m['nproc']}; memory {m['memory']}; {m['os']}")
    w(f"- JDK: {run['jdkVersion']} ({run['vmName']} {run['vmVersion']}); JMH {run['jmhVersion']}; "
      f"fork JVM options `{' '.join(run['jvmArgs'])}`")
    w(f"- Load average at start: `{read(os.path.join(results, 'load-start.txt'))}`")
    w(f"- Load average at end: `{read(os.path.join(results, 'load-end.txt'))}`")
    loads = [float(x) for x in re.findall(r'load average: ([\d.]+)', read(os.path.join(results, 'load-start.txt'))
                                          + read(os.path.join(results, 'load-end.txt')))]
    if loads and m['nproc'].isdigit() and max(loads) > int(m['nproc']):
        w(f"- **Warning: the load average ({max(loads):.1f}) exceeded the {m['nproc']} cores.** The benchmark threads got")
        w("  a varying fraction of a core, iterations of one fork differ by large factors, and the errors below are")
        w("  wide; read only differences larger than the errors. Re-run on a quiet machine to settle the 1.0× rows.")
    w(f"- Started {read(os.path.join(results, 'started.txt'))}. Other processes (builds, tests, services) shared")
    w("  the two cores during the run: 2-thread figures in particular compete with them, and the errors show it.")
    w(f"- JMH: throughput mode; {rounds} round(s), each running every configuration in one fork of "
      f"{run['warmupIterations']} × {run['warmupTime']} warm-up and {run['measurementIterations']} × "
      f"{run['measurementTime']} measurement; a figure pools the measured iterations of all rounds "
      f"({rounds * run['measurementIterations']} samples). Rounds run one after the other, so a burst of")
    w("  load falls on all caches alike rather than on one of them.")
    w("- Workload: 10,000 keys, 100-byte values (`byte[100]`), all present (warm); keys `\"product:<n>\"` "
      "(`string`) or boxed")
    w("  `Long` (`long`); reads follow a precomputed sequence of 65,536 keys drawn uniformly or from a Zipf "
      "distribution")
    w("  (exponent 0.99), each thread starting at a random place in it. `Cache.get` results (Spring's "
      "`ValueWrapper`) are")
    w("  returned to JMH, so a wrapper allocation counts.")
    w("- Caches: all Caffeine, maximum size 100,000, 5 min after write, statistics recorded. `NearCache` is local "
      "only")
    w("  (`InvalidationPublisher.NONE`, broadcast on, null TTL 30 s — so its Caffeine uses a variable expiry and a")
    w("  removal listener); `CaffeineCache` is Spring's over `expireAfterWrite(5 min)`; `CaffeineCache (same")
    w("  Caffeine)` is Spring's over exactly NearCache's Caffeine configuration; raw Caffeine is `getIfPresent` on")
    w("  the `expireAfterWrite` cache.")
    w("")

    w("## Hit path: nearcache against Spring's CaffeineCache and raw Caffeine")
    w("")
    w("| keys | distribution | threads | NearCache | CaffeineCache | CaffeineCache (same Caffeine) | raw Caffeine "
      "| NearCache / CaffeineCache | NearCache / same Caffeine | NearCache / raw |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    ratios_cc = []
    for key_type in ('string', 'long'):
        for distribution in ('uniform', 'zipf'):
            for t in threads:
                nc = get('SpringCacheHitBenchmark', 'nearcache', key_type, distribution, t)
                cc = get('SpringCacheHitBenchmark', 'caffeineCache', key_type, distribution, t)
                same = get('SpringCacheHitBenchmark', 'caffeineCacheSameExpiry', key_type, distribution, t)
                raw = get('CaffeineHitBenchmark', '-', key_type, distribution, t)
                if not nc:
                    continue
                r_cc = Ratio(nc, cc) if cc else None
                if r_cc:
                    ratios_cc.append((f"{key_type}/{distribution}/{t}t", r_cc))
                w(f"| {key_type} | {distribution} | {t} | {nc} | {cc or '–'} | {same or '–'} | {raw or '–'} "
                  f"| {r_cc or '–'} | {Ratio(nc, same) if same else '–'} | {Ratio(nc, raw) if raw else '–'} |")
    w("")
    w("Target (issue 7): NearCache ≥ 1.0 × CaffeineCache on every row, within JMH's error. " + verdict(
        [r for r in ratios_cc], 1.0))
    w("")

    competitors = [('RedissonLocalCachedMapBenchmark', 'default', 'Redisson `RLocalCachedMap` (default)'),
                   ('RedissonLocalCachedMapBenchmark', 'objectKey', 'Redisson `RLocalCachedMap` (`useObjectAsCacheKey`)'),
                   ('JetCacheTwoLevelBenchmark', '-', 'JetCache two-level, local hit'),
                   ('RedisCacheBenchmark', '-', 'Spring `RedisCacheManager` (no near cache)')]
    if any(get(b, c, 'string', 'uniform', t) for b, c, _ in competitors for t in threads):
        w("## Hit path: nearcache against other near caches and plain Redis")
        w("")
        w("Uniform keys. Redisson 4.7.0 (its default codec), JetCache 2.7.8 (Caffeine local tier, `fastjson2` key")
        w("convertor, Java value encoding; no Spring), Spring Data Redis `RedisCacheManager.create` on Lettuce; each")
        w("against its own `redis-server` started by the benchmark on a free loopback port. Each competitor is")
        w("built in its own Maven module on its own dependency versions (no Boot BOM).")
        w("")
        w("| cache | keys | threads | ops/s | NearCache / it |")
        w("|---|---|---|---|---|")
        ratios_10 = []
        for bench, cache, label in competitors:
            for key_type in ('string', 'long'):
                for t in threads:
                    f = get(bench, cache, key_type, 'uniform', t)
                    nc = get('SpringCacheHitBenchmark', 'nearcache', key_type, 'uniform', t)
                    if f:
                        w(f"| {label} | {key_type} | {t} | {f} | {Ratio(nc, f) if nc else '–'} |")
                        if nc and cache in ('default', '-') and bench != 'RedisCacheBenchmark':
                            ratios_10.append((f"{label} {key_type}/{t}t", Ratio(nc, f)))
        w("")
        w("Target (issue 7): NearCache ≥ 10 × Redisson and JetCache in their default configurations. "
          + verdict(ratios_10, 10.0))
        w("")

    if any(k[0] == 'before' for k in figures):
        w("## Hit path around the race-proof loading change")
        w("")
        w("`NearCache.get` on the nearcache jar of each commit (built in a throwaway `git worktree`), with the same")
        w("benchmark jar; uniform keys. The change touched the miss and write paths only; a hit is still one")
        w("Caffeine `getIfPresent` and a wrapper.")
        w("")
        for variant in ('before', 'after', 'current'):
            if variant in variants:
                w(f"- {variant}: {variants[variant]}")
        w("")
        w("| keys | threads | before | after | working tree | after / before |")
        w("|---|---|---|---|---|---|")
        for key_type in ('string', 'long'):
            for t in threads:
                b = get('SpringCacheHitBenchmark', 'nearcache', key_type, 'uniform', t, 'before')
                a = get('SpringCacheHitBenchmark', 'nearcache', key_type, 'uniform', t, 'after')
                c = get('SpringCacheHitBenchmark', 'nearcache', key_type, 'uniform', t)
                if b and a:
                    w(f"| {key_type} | {t} | {b} | {a} | {c or '–'} | {Ratio(a, b)} |")
        w("")

    w("## Not measured yet")
    w("")
    w("Of issue 7: the end-to-end `@Cacheable` proxy comparison, publish-to-evicted latency between instances,")
    w("invalidation throughput, and bytes per entry. See the issue for the targets.")
    w("")
    w("## Reproduce")
    w("")
    w("```sh")
    w("benchmarks/run.sh                         # builds with -Pbenchmarks, runs everything, writes this file")
    w("ROUNDS=1 COMPETITORS=0 benchmarks/run.sh  # quicker, wider errors")
    w("```")
    w("")
    w("The default build (`./mvnw verify`) neither builds nor runs the benchmarks; they live in `benchmarks/`,")
    w("a module of the `benchmarks` profile only. Raw JMH output: `benchmarks/target/results/`.")
    print("\n".join(out))


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'benchmarks/target/results')
