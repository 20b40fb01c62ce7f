package dev.nearcache.invalidation;

import dev.nearcache.cache.NearCacheManager;

/**
 * Benchmark only: an {@link InvalidationApplier} that calls {@link #applied()} right after the real applier
 * returned. It lives in nearcache's package (on the class path, so the same runtime package) because the
 * subscriber calls the package-private {@code apply(byte[], ChannelMonitor)}, not the public
 * {@code apply(byte[])}: a subclass in another package that overrides only the public method is never called
 * (the publish-to-evicted benchmark then timed nothing and reported every sample lost).
 */
public abstract class TimedInvalidationApplier extends InvalidationApplier {

	protected TimedInvalidationApplier(NearCacheManager cacheManager, InvalidationCodec codec,
			InvalidationStatistics statistics, ChannelMonitor monitor) {
		super(cacheManager, codec, statistics, monitor);
	}

	@Override
	void apply(byte[] body, ChannelMonitor monitor) {
		super.apply(body, monitor);
		applied();
	}

	/** Called on the applying thread once a received message has been applied (or dropped). */
	protected abstract void applied();

}
