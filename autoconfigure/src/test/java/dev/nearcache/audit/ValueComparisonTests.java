package dev.nearcache.audit;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ValueComparison} and {@link JsonTreeComparator}.
 */
class ValueComparisonTests {

	private final ValueComparison comparison = new ValueComparison(new JsonTreeComparator(JsonMapper.builder().build()),
			(name) -> (cached, fresh) -> true);

	private final CacheAuditPolicy byDefault = new CacheAuditPolicy(1, AuditAction.REPORT, null);

	@Test
	void valuesWithEqualsAreComparedWithEquals() throws Exception {
		assertThat(this.comparison.same(this.byDefault, new Price("a", 1), new Price("a", 1))).isTrue();
		assertThat(this.comparison.same(this.byDefault, new Price("a", 1), new Price("a", 2))).isFalse();
	}

	@Test
	void valuesWithIdentityEqualsAreComparedAsJsonTrees() throws Exception {
		assertThat(this.comparison.same(this.byDefault, new Bean("a", 1), new Bean("a", 1))).isTrue();
		assertThat(this.comparison.same(this.byDefault, new Bean("a", 1), new Bean("b", 1))).isFalse();
	}

	@Test
	void entitiesAreComparedAsJsonTreesNotByTheirIdBasedEquals() throws Exception {
		assertThat(this.comparison.same(this.byDefault, new Entity(1, "old"), new Entity(1, "new"))).isFalse();
		assertThat(this.comparison.same(this.byDefault, new Entity(1, "same"), new Entity(1, "same"))).isTrue();
	}

	@Test
	void collectionsOfIdentityEqualsValuesAreComparedAsJsonTrees() throws Exception {
		assertThat(this.comparison.same(this.byDefault, List.of(new Bean("a", 1)), List.of(new Bean("a", 1)))).isTrue();
	}

	@Test
	void arraysAreComparedByContent() throws Exception {
		assertThat(this.comparison.same(this.byDefault, new byte[] { 1, 2 }, new byte[] { 1, 2 })).isTrue();
		assertThat(this.comparison.same(this.byDefault, new byte[] { 1, 2 }, new byte[] { 1, 3 })).isFalse();
	}

	@Test
	void nullsMatchOnlyNulls() throws Exception {
		assertThat(this.comparison.same(this.byDefault, null, null)).isTrue();
		assertThat(this.comparison.same(this.byDefault, null, "found")).isFalse();
	}

	@Test
	void cacheComparatorOverridesEquals() throws Exception {
		CacheAuditPolicy named = new CacheAuditPolicy(1, AuditAction.REPORT, "lenient");
		assertThat(this.comparison.same(named, Set.of(1, 2), Set.of(3))).isTrue();
	}

	@Test
	void startupWarningNamesIdentityEqualsAndEntities() {
		assertThat(ValueComparison.whyNotEquals(Bean.class)).contains("identity");
		assertThat(ValueComparison.whyNotEquals(Entity.class)).contains("JPA entity");
		assertThat(ValueComparison.whyNotEquals(Price.class)).isNull();
		assertThat(ValueComparison.whyNotEquals(Object.class)).isNull();
	}

	record Price(String sku, int cents) {
	}

	public static final class Bean {

		private final String name;

		private final int size;

		Bean(String name, int size) {
			this.name = name;
			this.size = size;
		}

		public String getName() {
			return this.name;
		}

		public int getSize() {
			return this.size;
		}

	}

	@jakarta.persistence.Entity
	public static final class Entity {

		private final long id;

		private final String name;

		Entity(long id, String name) {
			this.id = id;
			this.name = name;
		}

		public long getId() {
			return this.id;
		}

		public String getName() {
			return this.name;
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof Entity entity && entity.id == this.id;
		}

		@Override
		public int hashCode() {
			return Long.hashCode(this.id);
		}

	}

}
