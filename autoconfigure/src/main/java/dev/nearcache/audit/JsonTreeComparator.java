package dev.nearcache.audit;

import java.util.Objects;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The default {@link CacheValueComparator}: two values are the same when the application's {@link JsonMapper} turns
 * them into equal JSON trees — the comparison that holds for what a REST client of the application sees. Works for
 * classes without {@code equals} and for JPA entities, whose {@code equals} compares only ids. Each value is written
 * as JSON and read back, so the comparison is of what a client would read: numbers by value and type as Jackson
 * reads them, object properties regardless of their order, arrays in order.
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
		return Objects.equals(tree(cached), tree(fresh));
	}

	/**
	 * The value as a client would read it: written to JSON and parsed back. ({@code valueToTree} alone keeps binary
	 * data and some other values as embedded objects, whose equality is identity.)
	 */
	private JsonNode tree(Object value) {
		return this.mapper.readTree(this.mapper.writeValueAsBytes(value));
	}

}
