package dev.nearcache.audit;

import java.util.Objects;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default {@link CacheValueComparator}: two values are the same when the application's {@link JsonMapper} turns
 * them into equal JSON trees — the comparison that holds for what a REST client of the application sees. Works for
 * classes without {@code equals} and for JPA entities, whose {@code equals} compares only ids. Numbers compare by
 * value and type as Jackson reads them; object properties regardless of their order, arrays in order.
 */
public final class JsonTreeComparator implements CacheValueComparator {

	private final JsonMapper mapper;

	/**
	 * Create the comparator.
	 * @param mapper the mapper that serialises the values, normally the application's
	 */
	public JsonTreeComparator(JsonMapper mapper) {
		this.mapper = mapper;
	}

	@Override
	public boolean same(@Nullable Object cached, @Nullable Object fresh) {
		if (cached == null || fresh == null) {
			return cached == fresh;
		}
		JsonNode cachedTree = this.mapper.valueToTree(cached);
		JsonNode freshTree = this.mapper.valueToTree(fresh);
		return Objects.equals(cachedTree, freshTree);
	}

}
