package dev.nearcache.cache;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The misses of one cache that a {@code @Cacheable} read is about to fill. A {@code put} of such a key is the
 * fill that follows the miss, not a write, and is therefore not broadcast.
 * <p>
 * Spring puts the result of an asynchronous {@code @Cacheable} method from whichever thread completes it, so
 * a thread-local cannot recognise the fill; these registrations are shared and matched by key, one put per
 * registration. The {@link FillScope} that made a registration withdraws it when the read ends, so a
 * registration never outlives its read and cannot swallow a later write. If two reads of one key race with a
 * direct write of that key, the write may take a read's registration; the read's own put then broadcasts, so
 * an invalidation still goes out after the write.
 */
final class PendingFills {

	/** Registrations older than this are ignored: a reactive read that was never subscribed never ends. */
	private static final long MAX_AGE_NANOS = 60_000_000_000L;

	private static final int PRUNE_THRESHOLD = 10_000;

	private final ConcurrentHashMap<Object, ArrayDeque<Registration>> byKey = new ConcurrentHashMap<>();

	Registration register(Object key) {
		if (this.byKey.size() > PRUNE_THRESHOLD) {
			prune();
		}
		Registration registration = new Registration(System.nanoTime());
		this.byKey.compute(key, (k, queue) -> {
			ArrayDeque<Registration> registrations = (queue != null) ? queue : new ArrayDeque<>(2);
			registrations.add(registration);
			return registrations;
		});
		return registration;
	}

	/**
	 * Take one live registration of the key, if any.
	 * @param key the key being put
	 * @return whether the put fills a registered miss
	 */
	boolean consume(Object key) {
		if (this.byKey.isEmpty()) {
			return false;
		}
		boolean[] consumed = new boolean[1];
		long now = System.nanoTime();
		this.byKey.computeIfPresent(key, (k, registrations) -> {
			Registration registration;
			while ((registration = registrations.poll()) != null) {
				if (now - registration.createdNanos < MAX_AGE_NANOS) {
					consumed[0] = true;
					break;
				}
			}
			return registrations.isEmpty() ? null : registrations;
		});
		return consumed[0];
	}

	void withdraw(Object key, Registration registration) {
		this.byKey.computeIfPresent(key, (k, registrations) -> {
			registrations.remove(registration);
			return registrations.isEmpty() ? null : registrations;
		});
	}

	int size() {
		return this.byKey.size();
	}

	private void prune() {
		long now = System.nanoTime();
		for (Object key : this.byKey.keySet()) {
			this.byKey.computeIfPresent(key, (k, registrations) -> {
				registrations.removeIf((registration) -> now - registration.createdNanos >= MAX_AGE_NANOS);
				return registrations.isEmpty() ? null : registrations;
			});
		}
	}

	/** One registered miss; identity matters, so it is not a record. */
	static final class Registration {

		private final long createdNanos;

		private Registration(long createdNanos) {
			this.createdNanos = createdNanos;
		}

	}

}
