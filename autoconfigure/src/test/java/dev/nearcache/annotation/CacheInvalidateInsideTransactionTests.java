package dev.nearcache.annotation;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link CacheInvalidateTransactionTests} with the {@code @CacheInvalidate} advisor ordered inside the transaction
 * interceptor: the method's own transaction is still active when the method returns to the advisor, so the
 * invalidation goes through the transaction synchronization.
 */
class CacheInvalidateInsideTransactionTests extends CacheInvalidateTransactionTests {

	@Override
	String[] extraProperties() {
		return new String[] { "test.advisor-order=" + (TransactionalCatalogApplication.TRANSACTION_ORDER + 1) };
	}

	@Test
	void advisorRunsInsideTheTransactionInterceptor() {
		assertThat(instanceA().bean(CacheInvalidateAdvisor.class).getOrder())
			.isGreaterThan(TransactionalCatalogApplication.TRANSACTION_ORDER);
	}

}
