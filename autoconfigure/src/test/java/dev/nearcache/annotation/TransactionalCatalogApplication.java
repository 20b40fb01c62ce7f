package dev.nearcache.annotation;

import java.util.List;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.transaction.TransactionAwareCacheManagerProxy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;

/**
 * A write service over a real transactional database: every instance of a test connects to the same H2
 * in-memory database (one JVM, one named database), so instance B reads what instance A committed.
 * <p>
 * Spring's cache interceptor works on the near caches through {@link TransactionAwareCacheManagerProxy}, as an
 * application that wants {@code @CacheEvict}/{@code @CachePut} deferred to after commit would configure it.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableCaching
@EnableTransactionManagement(order = TransactionalCatalogApplication.TRANSACTION_ORDER)
class TransactionalCatalogApplication {

	static final int TRANSACTION_ORDER = 100;

	/**
	 * With {@code test.advisor-order}, the {@code @CacheInvalidate} advisor gets that order instead of the default
	 * (one step outside the transaction advisor); a value above {@link #TRANSACTION_ORDER} puts it inside.
	 * @param beanFactory the bean factory
	 * @param order the order
	 * @return the advisor
	 */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnProperty("test.advisor-order")
	static CacheInvalidateAdvisor orderedCacheInvalidateAdvisor(BeanFactory beanFactory,
			@Value("${test.advisor-order}") int order) {
		CacheInvalidateAdvisor advisor = new CacheInvalidateAdvisor(beanFactory, () -> TRANSACTION_ORDER);
		advisor.setOrder(order);
		return advisor;
	}

	@Bean
	DataSource dataSource(@Value("${test.database-url}") String url) {
		return new SimpleDriverDataSource(new org.h2.Driver(), url, "sa", "");
	}

	@Bean
	JdbcTemplate jdbcTemplate(DataSource dataSource) {
		return new JdbcTemplate(dataSource);
	}

	@Bean
	PlatformTransactionManager transactionManager(DataSource dataSource) {
		return new DataSourceTransactionManager(dataSource);
	}

	@Bean
	TransactionTemplate transactionTemplate(PlatformTransactionManager transactionManager) {
		return new TransactionTemplate(transactionManager);
	}

	@Bean
	ProductService productService(JdbcTemplate jdbc, NearCacheInvalidator invalidator) {
		return new ProductService(jdbc, invalidator);
	}

	@Configuration(proxyBeanMethods = false)
	static class TransactionAwareCaching implements CachingConfigurer {

		private final ObjectProvider<NearCacheManager> cacheManager;

		TransactionAwareCaching(ObjectProvider<NearCacheManager> cacheManager) {
			this.cacheManager = cacheManager;
		}

		@Override
		public CacheManager cacheManager() {
			return new TransactionAwareCacheManagerProxy(this.cacheManager.getObject());
		}

	}

	static class ProductService {

		private final JdbcTemplate jdbc;

		private final NearCacheInvalidator invalidator;

		private volatile Runnable beforeCommit = () -> {
		};

		ProductService(JdbcTemplate jdbc, NearCacheInvalidator invalidator) {
			this.jdbc = jdbc;
			this.invalidator = invalidator;
		}

		/**
		 * Set what runs in the transaction's {@code beforeCommit} callback: after the write and after the method
		 * returned through every interceptor inside the transaction, just before the commit. (A method, since the
		 * test holds the proxy.)
		 * @param action the action
		 */
		public void beforeCommit(Runnable action) {
			this.beforeCommit = action;
		}

		void createTable() {
			this.jdbc.execute("CREATE TABLE IF NOT EXISTS product (id BIGINT PRIMARY KEY, name VARCHAR(100))");
		}

		void reset(int rows) {
			this.jdbc.update("DELETE FROM product");
			for (long id = 1; id <= rows; id++) {
				this.jdbc.update("INSERT INTO product (id, name) VALUES (?, ?)", id, "product-" + id);
			}
		}

		/** Bypasses every cache. */
		@Nullable String nameInDatabase(long id) {
			List<String> names = this.jdbc.queryForList("SELECT name FROM product WHERE id = ?", String.class, id);
			return names.isEmpty() ? null : names.get(0);
		}

		@Cacheable("products")
		public @Nullable String find(Long id) {
			return nameInDatabase(id);
		}

		@Transactional
		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void rename(Long id, String name) {
			write(id, name);
		}

		@Transactional
		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void renameThenFail(Long id, String name) {
			write(id, name);
			throw new IllegalStateException("refused after the write");
		}

		@Transactional
		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void renameThenFailChecked(Long id, String name) throws Refused {
			write(id, name);
			throw new Refused();
		}

		@Transactional(rollbackFor = Refused.class)
		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void renameThenFailCheckedRollingBack(Long id, String name) throws Refused {
			write(id, name);
			throw new Refused();
		}

		@Transactional
		@CacheInvalidate(cacheNames = "products", keys = "#ids")
		public void renameAll(List<Long> ids, String name) {
			ids.forEach((id) -> write(id, name));
		}

		@Transactional
		@CacheInvalidate(cacheNames = "products", key = "#id", immediately = true)
		public void renameImmediately(Long id, String name) {
			write(id, name);
		}

		@Transactional
		@CacheInvalidate(cacheNames = "products", key = "#id", beforeInvocation = true)
		public void renameInvalidatingFirst(Long id, String name) {
			write(id, name);
		}

		@Transactional(propagation = Propagation.REQUIRES_NEW)
		@CacheInvalidate(cacheNames = "products", key = "#id")
		public void renameInNewTransaction(Long id, String name) {
			write(id, name);
		}

		/** What invalidating inside the transaction does: the control for the stale-reload race. */
		@Transactional
		public void renameInvalidatingBeforeCommit(Long id, String name) {
			this.jdbc.update("UPDATE product SET name = ? WHERE id = ?", name, id);
			this.invalidator.invalidate("products", id);
			runBeforeCommit();
		}

		@Transactional
		@CacheEvict(cacheNames = "products", key = "#id")
		public void renameWithCacheEvict(Long id, String name) {
			write(id, name);
		}

		@Transactional
		@CachePut(cacheNames = "products", key = "#id")
		public String renameWithCachePut(Long id, String name) {
			write(id, name);
			return name;
		}

		private void write(Long id, String name) {
			this.jdbc.update("UPDATE product SET name = ? WHERE id = ?", name, id);
			runBeforeCommit();
		}

		private void runBeforeCommit() {
			Runnable action = this.beforeCommit;
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

				@Override
				public void beforeCommit(boolean readOnly) {
					action.run();
				}

			});
		}

	}

	/** A checked exception: by default a {@code @Transactional} method that throws it commits. */
	static class Refused extends Exception {

		Refused() {
			super("refused after the write");
		}

	}

}
