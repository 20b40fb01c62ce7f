package dev.nearcache.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.BeanFactoryAnnotationUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.cache.annotation.AnnotationCacheOperationSource;
import org.springframework.cache.annotation.CachingConfigurer;
import org.springframework.cache.interceptor.CacheAspectSupport;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.cache.interceptor.SimpleKeyGenerator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.core.env.Environment;

import dev.nearcache.audit.CacheAuditAdvisor;
import dev.nearcache.audit.CacheAuditPolicy;
import dev.nearcache.audit.CacheValueComparator;
import dev.nearcache.audit.JsonTreeComparator;
import dev.nearcache.audit.StaleReadAuditor;
import dev.nearcache.cache.NearCacheManager;

/**
 * The stale-read audit ({@code docs/operations.md}, "Is my cache coherent?"): an advisor that samples hits of the
 * {@code @Cacheable} methods of audited caches — and applies to no method while every sample rate is zero, the
 * default — and the auditor that re-checks the samples in the background.
 * <p>
 * The advisor reads the audit policies straight from the environment, not from the properties bean: advisors are
 * matched while beans are being created.
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
class CacheAuditConfiguration {

	private static final Log logger = LogFactory.getLog(CacheAuditConfiguration.class);

	/** The application's comparator for values without a meaningful {@code equals}; define one to replace it. */
	static final String COMPARATOR_BEAN = "nearCacheValueComparator";

	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	@ConditionalOnBean(CacheAspectSupport.class)
	static CacheAuditAdvisor nearCacheAuditAdvisor(BeanFactory beanFactory, Environment environment) {
		CacheAuditPolicies policies = new CacheAuditPolicies(bind(environment));
		return new CacheAuditAdvisor(new AnnotationCacheOperationSource(false),
				() -> CacheFillConfiguration.cacheAdvisorOrder(beanFactory), policies::policy,
				() -> beanFactory.getBean(StaleReadAuditor.class));
	}

	@Bean(name = COMPARATOR_BEAN)
	@ConditionalOnMissingBean(name = COMPARATOR_BEAN)
	CacheValueComparator nearCacheValueComparator(ObjectProvider<JsonMapper> jsonMapper) {
		return new JsonTreeComparator(jsonMapper.getIfAvailable(() -> JsonMapper.builder().build()));
	}

	@Bean
	@ConditionalOnMissingBean
	StaleReadAuditor nearCacheStaleReadAuditor(NearCacheManager cacheManager, NearCacheProperties properties,
			BeanFactory beanFactory) {
		CacheAuditPolicies policies = new CacheAuditPolicies(properties);
		requireComparators(policies, beanFactory);
		NearCacheProperties.Audit audit = properties.getAudit();
		if (audit.getMaxCallsPerSecond() < 0) {
			throw new InvalidConfigurationPropertyValueException("nearcache.audit.max-calls-per-second",
					audit.getMaxCallsPerSecond(), "Must be 0 (no limit but the threads) or more; the default is 100");
		}
		if (audit.getThreads() < 1 || audit.getQueueCapacity() < 1) {
			throw new InvalidConfigurationPropertyValueException("nearcache.audit.threads", audit.getThreads() + " "
					+ "(queue-capacity " + audit.getQueueCapacity() + ")", "Both must be at least 1; the defaults are 2 "
					+ "threads and a queue of 100");
		}
		Duration confirmAfter = (audit.getConfirmAfter() != null) ? audit.getConfirmAfter()
				: stalenessBound(properties);
		logPolicies(policies, confirmAfter, audit);
		CacheValueComparator applicationComparator = beanFactory.getBean(COMPARATOR_BEAN, CacheValueComparator.class);
		Map<String, KeyGenerator> keyGenerators = new ConcurrentHashMap<>();
		return StaleReadAuditor.create(cacheManager, policies::policy, applicationComparator,
				(name) -> beanFactory.getBean(name, CacheValueComparator.class),
				(name) -> keyGenerators.computeIfAbsent(name, (n) -> keyGenerator(beanFactory, n)),
				new BeanFactoryResolver(beanFactory),
				new StaleReadAuditor.Settings(audit.getThreads(), audit.getQueueCapacity(), confirmAfter,
						audit.getTimeout(), audit.getMaxCallsPerSecond()));
	}

	/**
	 * The bound within which an invalidation published by another instance is applied here, or this instance
	 * notices that it may have missed it (and clears or degrades): the heartbeat window, its check interval, and a
	 * clear's coalescing window.
	 */
	static Duration stalenessBound(NearCacheProperties properties) {
		Duration window = RedisInvalidationConfiguration.window(properties);
		return window.plus(window.dividedBy(3)).plus(properties.getInvalidation().getClearCoalesceWindow());
	}

	private static void requireComparators(CacheAuditPolicies policies, BeanFactory beanFactory) {
		policies.configured().forEach((name, policy) -> {
			String comparator = policy.comparator();
			if (comparator != null && !beanFactory.containsBean(comparator)) {
				throw new InvalidConfigurationPropertyValueException("nearcache.caches." + name + ".audit.comparator",
						comparator, "No bean of that name; name a CacheValueComparator bean, or remove the property "
								+ "to compare with equals (or JSON trees where equals is identity)");
			}
		});
	}

	private static void logPolicies(CacheAuditPolicies policies, Duration confirmAfter,
			NearCacheProperties.Audit audit) {
		CacheAuditPolicy defaults = policies.defaults();
		if (defaults.enabled()) {
			logger.warn("nearcache.defaults.audit.sample-rate=" + defaults.sampleRate() + ": every @Cacheable method of "
					+ "every near cache will be invoked again for " + percent(defaults.sampleRate()) + " of its hits, "
					+ "including methods with side effects or paid calls. Prefer nearcache.caches.<name>.audit."
					+ "sample-rate for the caches you mean, and exclude methods with @NoCacheAudit");
		}
		List<String> audited = policies.configured()
			.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().enabled())
			.map((entry) -> entry.getKey() + " " + percent(entry.getValue().sampleRate()) + " "
					+ entry.getValue().action().name().toLowerCase(java.util.Locale.ROOT))
			.toList();
		if (!audited.isEmpty() || defaults.enabled()) {
			logger.info("Stale-read audit on: " + (audited.isEmpty() ? "" : String.join(", ", audited) + "; ")
					+ (defaults.enabled() ? "every other cache " + percent(defaults.sampleRate()) + "; " : "")
					+ "a difference counts once it outlives " + Durations.format(confirmAfter) + "; at most "
					+ audit.getThreads() + " repeated calls at once, " + audit.getQueueCapacity() + " waiting, "
					+ ((audit.getMaxCallsPerSecond() > 0) ? audit.getMaxCallsPerSecond() + " per second"
							: "no limit per second"));
		}
	}

	private static String percent(double rate) {
		return String.format(java.util.Locale.ROOT, "%s%%", java.math.BigDecimal.valueOf(rate * 100)
			.stripTrailingZeros()
			.toPlainString());
	}

	/** As Spring's cache interceptor resolves it: a named bean, else its own (the CachingConfigurer's) default. */
	private static KeyGenerator keyGenerator(BeanFactory beanFactory, String name) {
		if (!name.isEmpty()) {
			return BeanFactoryAnnotationUtils.qualifiedBeanOfType(beanFactory, KeyGenerator.class, name);
		}
		CacheAspectSupport cacheAspect = beanFactory.getBeanProvider(CacheAspectSupport.class).getIfUnique();
		if (cacheAspect != null) {
			return cacheAspect.getKeyGenerator();
		}
		CachingConfigurer configurer = beanFactory.getBeanProvider(CachingConfigurer.class).getIfUnique();
		KeyGenerator configured = (configurer != null) ? configurer.keyGenerator() : null;
		return (configured != null) ? configured : new SimpleKeyGenerator();
	}

	private static NearCacheProperties bind(Environment environment) {
		return Binder.get(environment).bindOrCreate("nearcache", NearCacheProperties.class);
	}

}
