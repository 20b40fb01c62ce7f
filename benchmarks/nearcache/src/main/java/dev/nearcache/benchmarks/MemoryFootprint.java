package dev.nearcache.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

import org.openjdk.jol.info.GraphLayout;

import org.springframework.cache.Cache;

/**
 * Bytes per cached entry, by JOL: the retained graph of the Spring {@link Cache} object (so everything a
 * {@code NearCache} keeps beside its Caffeine — key index, invalidation ticks — is counted) holding {@code n}
 * entries, minus the same cache empty, divided by {@code n}. Keys are boxed {@code Long}s, values distinct
 * 100-character {@code String}s (Latin-1, so 100 bytes). The caches are those of {@link SpringCacheHitBenchmark}:
 * the same Caffeine settings (maximum size, expiry, statistics).
 * <p>
 * Arguments: {@code <output file> [entries=100000]}. Output, tab-separated per cache: name, entries, bytes per
 * entry, bytes per entry without the key and value objects, total bytes.
 */
public final class MemoryFootprint {

	private MemoryFootprint() {
	}

	public static void main(String[] args) throws Exception {
		int n = (args.length > 1) ? Integer.parseInt(args[1]) : 100_000;
		Object[] keys = new Object[n];
		Object[] values = new Object[n];
		for (int i = 0; i < n; i++) {
			keys[i] = (long) i + 1_000_000; // outside the Long cache: every key is its own object
			String prefix = "value-" + i + "-";
			values[i] = prefix + "x".repeat(100 - prefix.length());
		}
		long keyAndValueBytes = GraphLayout.parseInstance(keys, values).totalSize()
				- GraphLayout.parseInstance(new Object[n], new Object[n]).totalSize();
		double payload = (double) keyAndValueBytes / n;
		StringBuilder out = new StringBuilder();
		out.append(String.join("\t", "key+value", Integer.toString(n), String.format("%.1f", payload), "0",
				Long.toString(keyAndValueBytes))).append('\n');
		for (String name : new String[] { "nearcache", "caffeineCache", "caffeineCacheVariableExpiry" }) {
			// One cache measured empty, then full: the graph JOL walks from a cache reaches far beyond it (Caffeine's
			// executor, its threads, their thread group, so every thread, and nearcache's JVM-wide clock with the
			// caches it knows), so two caches measured side by side would each include the other. Measured
			// before and after filling, that shared remainder cancels out.
			Cache cache = SpringCacheHitBenchmark.create(name);
			cleanUp(cache);
			long emptyBytes = GraphLayout.parseInstance(cache).totalSize();
			// Keys and values of its own: an earlier cache, still reachable through the clock, holds the others.
			for (int i = 0; i < n; i++) {
				cache.put(Long.valueOf((Long) keys[i]), new String(((String) values[i]).toCharArray()));
			}
			cleanUp(cache);
			long fullBytes = GraphLayout.parseInstance(cache).totalSize();
			double perEntry = (double) (fullBytes - emptyBytes) / n;
			out.append(String.join("\t", name, Integer.toString(n), String.format("%.1f", perEntry),
					String.format("%.1f", perEntry - payload), Long.toString(fullBytes))).append('\n');
		}
		Files.writeString(Path.of(args[0]), out);
		System.out.print(out);
	}

	private static void cleanUp(Cache cache) {
		Object nativeCache = cache.getNativeCache();
		if (nativeCache instanceof com.github.benmanes.caffeine.cache.Cache<?, ?> caffeine) {
			caffeine.cleanUp();
			if (caffeine.estimatedSize() != 0 && caffeine.estimatedSize() < 1) {
				throw new IllegalStateException();
			}
		}
	}

}
