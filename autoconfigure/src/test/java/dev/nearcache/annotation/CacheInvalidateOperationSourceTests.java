package dev.nearcache.annotation;

import java.lang.reflect.Method;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.cache.annotation.CacheConfig;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link CacheInvalidateOperationSource}: where annotations are found and what is refused up front.
 */
class CacheInvalidateOperationSourceTests {

	private final CacheInvalidateOperationSource source = new CacheInvalidateOperationSource();

	@Test
	void methodAnnotationIsParsed() {
		CacheInvalidateOperation operation = single(Service.class, "plain");
		assertThat(operation.cacheNames()).containsExactly("products");
		assertThat(operation.key().text()).isEqualTo("#id");
		assertThat(operation.beforeInvocation()).isFalse();
		assertThat(operation.immediately()).isFalse();
		assertThat(operation.usesKeyGenerator()).isFalse();
	}

	@Test
	void valueIsAnAliasForCacheNames() {
		assertThat(single(Service.class, "byValue").cacheNames()).containsExactly("products");
	}

	@Test
	void repeatedAnnotationsAreAllFound() {
		assertThat(operations(Service.class, "repeated")).extracting(CacheInvalidateOperation::cacheNames)
			.containsExactly(List.of("products"), List.of("prices"));
	}

	@Test
	void metaAnnotationWithAliasIsFound() {
		CacheInvalidateOperation operation = single(Service.class, "composed");
		assertThat(operation.cacheNames()).containsExactly("products");
		assertThat(operation.key().text()).isEqualTo("#id");
	}

	@Test
	void interfaceMethodAnnotationAppliesToTheImplementation() {
		assertThat(single(Implementation.class, "fromInterface").allEntries()).isTrue();
	}

	@Test
	void classAnnotationAppliesToPublicMethodsOnly() {
		assertThat(single(ClassLevel.class, "open").cacheNames()).containsExactly("audit");
		assertThat(operations(ClassLevel.class, "internal")).isEmpty();
		assertThat(operations(ClassLevel.class, "toString")).isEmpty();
	}

	@Test
	void methodAnnotationWinsOverTheClassAnnotation() {
		assertThat(single(ClassLevel.class, "overriding").cacheNames()).containsExactly("products");
	}

	@Test
	void cacheConfigSuppliesCacheNamesAndKeyGenerator() {
		CacheInvalidateOperation operation = single(Configured.class, "write");
		assertThat(operation.cacheNames()).containsExactly("configured");
		assertThat(operation.keyGenerator()).isEqualTo("configuredKeys");
	}

	@Test
	void unannotatedMethodHasNoOperations() {
		assertThat(operations(Service.class, "unannotated")).isEmpty();
	}

	@Test
	void keyAndKeysAreExclusive() {
		assertRefused("keyAndKeys", "key and keys are exclusive");
	}

	@Test
	void keyAndKeyGeneratorAreExclusive() {
		assertRefused("keyAndKeyGenerator", "key/keys and keyGenerator are exclusive");
	}

	@Test
	void allEntriesTakesNoKey() {
		assertRefused("allEntriesWithKey", "allEntries clears whole caches");
	}

	@Test
	void unlessNeedsAResult() {
		assertRefused("unlessBeforeInvocation", "unless needs the result");
	}

	@Test
	void immediatelyIsRedundantWithBeforeInvocation() {
		assertRefused("immediatelyBeforeInvocation", "drop immediately");
	}

	@Test
	void cacheNameIsRequired() {
		assertRefused("noCache", "no cache name");
	}

	@Test
	void syntaxErrorIsReportedWithTheMethodAndTheExpression() {
		assertRefused("syntaxError", "cannot parse key = \"#id +\"");
	}

	private void assertRefused(String methodName, String message) {
		assertThatExceptionOfType(CacheInvalidateException.class)
			.isThrownBy(() -> operations(Invalid.class, methodName))
			.withMessageContaining("@CacheInvalidate on CacheInvalidateOperationSourceTests.Invalid." + methodName + "(")
			.withMessageContaining(message);
	}

	private CacheInvalidateOperation single(Class<?> type, String methodName) {
		List<CacheInvalidateOperation> operations = operations(type, methodName);
		assertThat(operations).hasSize(1);
		return operations.get(0);
	}

	private List<CacheInvalidateOperation> operations(Class<?> type, String methodName) {
		Method method = ReflectionUtils.findMethod(type, methodName, (Class<?>[]) null);
		if (method == null) {
			method = ReflectionUtils.findMethod(type, methodName, Long.class);
		}
		assertThat(method).as(methodName).isNotNull();
		return this.source.operations(method, type);
	}

	static class Service {

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void plain(Long id) {
		}

		@CacheInvalidate("products")
		public void byValue(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		@CacheInvalidate(cacheNames = "prices", allEntries = true)
		public void repeated(Long id) {
		}

		@ProductWrite(id = "#id")
		public void composed(Long id) {
		}

		public void unannotated(Long id) {
		}

	}

	interface Contract {

		@CacheInvalidate(cacheNames = "stock", allEntries = true)
		void fromInterface();

	}

	static class Implementation implements Contract {

		@Override
		public void fromInterface() {
		}

	}

	@CacheInvalidate(cacheNames = "audit", allEntries = true)
	static class ClassLevel {

		public void open() {
		}

		void internal() {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void overriding(Long id) {
		}

		@Override
		public String toString() {
			return "ClassLevel";
		}

	}

	@CacheConfig(cacheNames = "configured", keyGenerator = "configuredKeys")
	static class Configured {

		@CacheInvalidate
		public void write(Long id) {
		}

	}

	static class Invalid {

		@CacheInvalidate(cacheNames = "products", key = "#id", keys = "#ids")
		public void keyAndKeys(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id", keyGenerator = "gen")
		public void keyAndKeyGenerator(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id", allEntries = true)
		public void allEntriesWithKey(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", unless = "#result", beforeInvocation = true)
		public void unlessBeforeInvocation(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", immediately = true, beforeInvocation = true)
		public void immediatelyBeforeInvocation(Long id) {
		}

		@CacheInvalidate
		public void noCache(Long id) {
		}

		@CacheInvalidate(cacheNames = "products", key = "#id +")
		public void syntaxError(Long id) {
		}

	}

}
