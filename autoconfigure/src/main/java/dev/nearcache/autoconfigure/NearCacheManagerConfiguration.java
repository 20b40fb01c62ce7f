package dev.nearcache.autoconfigure;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizer;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizers;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.nearcache.cache.CacheKeyConverter;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCacheCaffeineCustomizer;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.TransportState;

/**
 * The cache manager, the canonical key forms, the programmatic invalidator and what both transports share.
 */
@Configuration(proxyBeanMethods = false)
class NearCacheManagerConfiguration {

	@Bean
	@ConditionalOnMissingBean
	KeyCanonicalizer nearCacheKeyCanonicalizer(NearCacheProperties properties,
			ObjectProvider<CacheKeyConverter<?>> converters) {
		Set<Class<?>> toStringTypes = new LinkedHashSet<>();
		for (String typeName : properties.getKeys().getToStringTypes()) {
			try {
				toStringTypes.add(ClassUtils.forName(typeName, NearCacheManagerConfiguration.class.getClassLoader()));
			}
			catch (ClassNotFoundException | LinkageError ex) {
				throw new InvalidConfigurationPropertyValueException("nearcache.keys.to-string-types", typeName,
						"No such class; give the fully qualified name of a key type, e.g. com.example.ProductKey");
			}
		}
		return new KeyCanonicalizer(converters.orderedStream().toList(), toStringTypes);
	}

	@Bean
	@ConditionalOnMissingBean
	InvalidationStatistics nearCacheInvalidationStatistics(NearCacheProperties properties, Environment environment) {
		NearCacheIdentity identity = NearCacheIdentity.of(properties, environment);
		return new InvalidationStatistics(identity.instanceId(), identity.channel(), TransportState.LOCAL_ONLY);
	}

	@Bean
	@ConditionalOnMissingBean
	InvalidationCodec nearCacheInvalidationCodec(NearCacheProperties properties) {
		long maxMessageSize = properties.getInvalidation().getMaxMessageSize().toBytes();
		if (maxMessageSize < 256 || maxMessageSize > Integer.MAX_VALUE) {
			throw new InvalidConfigurationPropertyValueException("nearcache.invalidation.max-message-size",
					properties.getInvalidation().getMaxMessageSize(), "Must be between 256B and 2GB; the default is 64KB");
		}
		return new InvalidationCodec((int) maxMessageSize, MessageSigningFactory.create(properties.getSecurity().getSigning()));
	}

	@Bean
	@ConditionalOnMissingBean(CacheManager.class)
	NearCacheManager cacheManager(NearCacheProperties properties, Environment environment,
			KeyCanonicalizer keyCanonicalizer, InvalidationPublisher invalidationPublisher,
			ObjectProvider<CacheManagerCustomizer<?>> customizers,
			ObjectProvider<NearCacheCaffeineCustomizer> caffeineCustomizers) {
		Binder binder = Binder.get(environment);
		List<String> springCacheNames = binder.bind("spring.cache.cache-names", Bindable.listOf(String.class))
			.orElse(List.of());
		CacheSettingsFactory settings = new CacheSettingsFactory(properties);
		NearCacheManager cacheManager = new NearCacheManager(settings.defaults(), settings.configured(springCacheNames),
				properties.isDynamic(), keyCanonicalizer, invalidationPublisher,
				caffeineCustomizers.orderedStream().toList());
		return new CacheManagerCustomizers(customizers.orderedStream().toList()).customize(cacheManager);
	}

	@Bean
	@ConditionalOnMissingBean
	NearCacheInvalidator nearCacheInvalidator(NearCacheManager cacheManager) {
		return new NearCacheInvalidator(cacheManager);
	}

	@Bean
	static NearCacheStartupReport nearCacheStartupReport(ObjectProvider<NearCacheManager> cacheManager,
			ObjectProvider<InvalidationStatistics> statistics, Environment environment, ListableBeanFactory beanFactory) {
		return new NearCacheStartupReport(cacheManager, statistics, environment, beanFactory);
	}

}
