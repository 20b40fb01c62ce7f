package dev.nearcache.invalidation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Splits one cache's pending keys into lists that each encode within {@code max-message-size}, halving until
 * they fit, without encoding twice in the common case (no character takes more than six bytes in JSON, and
 * {@link InvalidationCodec#upperBoundOfEncodedSize} adds what signing takes). Both publishers split with it.
 * <p>
 * Keys that fit, the common case, come back as the very collection passed in: nothing is copied or encoded on
 * the way to the one real encoding.
 */
final class MessageSplitter {

	private static final Log logger = LogFactory.getLog(MessageSplitter.class);

	private MessageSplitter() {
	}

	/**
	 * Split keys into message-sized lists.
	 * @return the key lists; an empty list stands for a clear of the cache (a single key too long to send)
	 */
	static List<Collection<String>> split(InvalidationCodec codec, String instanceId, String cache,
			Collection<String> keys) {
		if (fitsByBound(codec, instanceId, cache, keys)) {
			return List.of(keys);
		}
		List<Collection<String>> lists = new ArrayList<>();
		split(codec, instanceId, cache, List.copyOf(keys), lists);
		return lists;
	}

	private static void split(InvalidationCodec codec, String instanceId, String cache, List<String> keys,
			List<Collection<String>> lists) {
		if (fitsByBound(codec, instanceId, cache, keys) || codec.encode(InvalidationMessage.Type.INVALIDATE,
				instanceId, Long.MAX_VALUE, Long.MAX_VALUE, cache, keys, null).length <= codec.maxMessageSize()) {
			lists.add(keys);
		}
		else if (keys.size() > 1) {
			split(codec, instanceId, cache, keys.subList(0, keys.size() / 2), lists);
			split(codec, instanceId, cache, keys.subList(keys.size() / 2, keys.size()), lists);
		}
		else {
			logger.warn("nearcache: a key of cache '" + cache + "' is longer than nearcache.invalidation."
					+ "max-message-size allows; clearing the cache on the other instances instead");
			lists.add(List.of());
		}
	}

	private static boolean fitsByBound(InvalidationCodec codec, String instanceId, String cache,
			Collection<String> keys) {
		return codec.upperBoundOfEncodedSize(upperBoundOfUnsignedSize(instanceId, cache, keys)) <= codec
			.maxMessageSize();
	}

	private static long upperBoundOfUnsignedSize(String instanceId, String cache, Collection<String> keys) {
		// 160: every fixed field at its longest, with the 16-digit inc the codec adds.
		long size = 160 + 6L * (instanceId.length() + cache.length());
		for (String key : keys) {
			size += 6L * key.length() + 3;
		}
		return size;
	}

}
