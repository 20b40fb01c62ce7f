package dev.nearcache.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.cache.autoconfigure.CacheManagerCustomizer;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.connection.RedisConnectionFactory;

import dev.nearcache.cache.CacheKeyConverter;
import dev.nearcache.cache.InvalidationPublisher;
import dev.nearcache.cache.KeyCanonicalizer;
import dev.nearcache.cache.NearCache;
import dev.nearcache.cache.NearCacheInvalidator;
import dev.nearcache.cache.NearCacheManager;
import dev.nearcache.cache.NearCacheSettings;
import dev.nearcache.invalidation.ChannelMonitor;
import dev.nearcache.invalidation.InvalidationApplier;
import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.invalidation.InvalidationMessage;
import dev.nearcache.invalidation.InvalidationStatistics;
import dev.nearcache.invalidation.RedisInvalidationPublisher;
import dev.nearcache.invalidation.RedisInvalidationSubscriber;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link NearCacheAutoConfiguration}. Redis is configured on a port where nothing listens: none of
 * these tests needs a Redis server, and the context must start regardless.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NearCacheAutoConfigurationTests {

	private static final int UNUSED_PORT = unusedPort();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, NearCacheAutoConfiguration.class,
				CacheAutoConfiguration.class))
		.withUserConfiguration(CachingConfiguration.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + UNUSED_PORT,
				"spring.data.redis.timeout=500ms", "spring.data.redis.connect-timeout=500ms");

	/**
	 * For tests of settings that do not involve the transport: no Redis at all, so local-only. Starting Lettuce
	 * and closing a context with the Redis publisher (up to its 500 ms poll interval) add up over many contexts.
	 */
	private final ApplicationContextRunner settingsRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class))
		.withUserConfiguration(CachingConfiguration.class);

	// --- defaults ---

	@Test
	void tcpKeepAliveIdleIsTheClientsDefaultUnlessSetAndKeepsBootsSocketOptions() {
		this.runner.run((context) -> assertThat(socketOptions(context).getKeepAlive().getIdle())
			.isEqualTo(io.lettuce.core.SocketOptions.KeepAliveOptions.DEFAULT_IDLE));
		this.runner.withPropertyValues("nearcache.invalidation.tcp-keep-alive-idle=9s").run((context) -> {
			io.lettuce.core.SocketOptions options = socketOptions(context);
			assertThat(options.isKeepAlive()).isTrue();
			assertThat(options.getKeepAlive().getIdle()).isEqualTo(Duration.ofSeconds(9));
			assertThat(options.getKeepAlive().getInterval()).isEqualTo(Duration.ofSeconds(3));
			assertThat(options.getKeepAlive().getCount()).isEqualTo(3);
			assertThat(options.getConnectTimeout()).isEqualTo(Duration.ofMillis(500));
		});
		this.runner.withPropertyValues("nearcache.invalidation.tcp-keep-alive-idle=500ms")
			.run((context) -> assertThat(context).getFailure()
				.hasRootCauseInstanceOf(InvalidConfigurationPropertyValueException.class)
				.rootCause().hasMessageContaining("nearcache.invalidation.tcp-keep-alive-idle"));
	}

	private static io.lettuce.core.SocketOptions socketOptions(
			org.springframework.context.ApplicationContext context) {
		return context.getBean(org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory.class)
			.getClientConfiguration()
			.getClientOptions()
			.orElseThrow()
			.getSocketOptions();
	}

	@Test
	void defaultsGiveNearCacheManagerNamedCacheManager() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(CacheManager.class);
			assertThat(context).getBean("cacheManager").isInstanceOf(NearCacheManager.class);
			assertThat(context.getBean(CacheManager.class)).isSameAs(context.getBean("cacheManager"));
		});
	}

	@Test
	void defaultCacheSettings() {
		this.runner.run((context) -> {
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			assertThat(manager.isDynamic()).isTrue();
			assertThat(manager.getCacheNames()).isEmpty();
			NearCache cache = manager.getCache("products");
			assertThat(cache).isNotNull();
			NearCacheSettings settings = cache.getSettings();
			assertThat(settings.name()).isEqualTo("products");
			assertThat(settings.ttl()).isEqualTo(Duration.ofMinutes(5));
			assertThat(settings.maximumSize()).isEqualTo(10_000);
			assertThat(settings.nullTtl()).isEqualTo(Duration.ofSeconds(30));
			assertThat(settings.allowNullValues()).isTrue();
			assertThat(settings.broadcast()).isTrue();
			assertThat(cache.isAllowNullValues()).isTrue();
		});
	}

	@Test
	void defaultChannelIsNamedAfterTheApplication() {
		this.settingsRunner.withPropertyValues("spring.application.name=catalog")
			.run((context) -> assertThat(context.getBean(InvalidationStatistics.class).channel())
				.isEqualTo("nearcache:catalog"));
	}

	@Test
	void defaultChannelWithoutApplicationNameIsNearcacheApplication() {
		this.settingsRunner.run((context) -> assertThat(context.getBean(InvalidationStatistics.class).channel())
			.isEqualTo("nearcache:application"));
	}

	@Test
	void channelAndInstanceIdCanBeSet() {
		this.settingsRunner.withPropertyValues("nearcache.channel=custom-channel", "nearcache.instance-id=node-7")
			.run((context) -> {
				InvalidationStatistics statistics = context.getBean(InvalidationStatistics.class);
				assertThat(statistics.channel()).isEqualTo("custom-channel");
				assertThat(statistics.instanceId()).isEqualTo("node-7");
			});
	}

	@Test
	void defaultInstanceIdIsNonEmptyAndDistinctBetweenContexts() {
		AtomicReference<String> first = new AtomicReference<>();
		this.runner.run((one) -> this.runner.run((two) -> {
			String idOne = one.getBean(InvalidationStatistics.class).instanceId();
			String idTwo = two.getBean(InvalidationStatistics.class).instanceId();
			assertThat(idOne).isNotBlank();
			assertThat(idTwo).isNotBlank();
			assertThat(idOne).isNotEqualTo(idTwo);
			first.set(idOne);
		}));
		assertThat(first.get()).contains(String.valueOf(ProcessHandle.current().pid()));
	}

	@Test
	void contextStartsAndStopsQuicklyWithoutRedis() {
		long start = System.nanoTime();
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			manager.getCache("products").put(1L, "works locally");
			assertThat(manager.getCache("products").get(1L, String.class)).isEqualTo("works locally");
			assertThat(context.getBean(RedisInvalidationSubscriber.class).isSubscribed()).isFalse();
		});
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
	}

	// --- cache configuration ---

	@Test
	void perCacheSettingsOverrideDefaults() {
		this.settingsRunner
			.withPropertyValues("nearcache.defaults.ttl=1m", "nearcache.defaults.maximum-size=50",
					"nearcache.caches.products.ttl=10s", "nearcache.caches.products.null-ttl=2s",
					"nearcache.caches.products.allow-null-values=false", "nearcache.caches.products.broadcast=false",
					"nearcache.caches.orders.maximum-size=5")
			.run((context) -> {
				NearCacheManager manager = context.getBean(NearCacheManager.class);
				assertThat(manager.findCache("products")).as("configured caches exist at startup").isNotNull();
				assertThat(manager.findCache("orders")).isNotNull();
				assertThat(manager.findCache("products").getSettings())
					.isEqualTo(new NearCacheSettings("products", Duration.ofSeconds(10), Duration.ofSeconds(2), 50,
							false, false));
				assertThat(manager.findCache("orders").getSettings())
					.isEqualTo(new NearCacheSettings("orders", Duration.ofMinutes(1), Duration.ofSeconds(30), 5, true,
							true));
				assertThat(manager.getCache("other").getSettings())
					.isEqualTo(new NearCacheSettings("other", Duration.ofMinutes(1), Duration.ofSeconds(30), 50, true,
							true));
			});
	}

	@Test
	void springCacheNamesAreCreatedAtStartupWithDefaults() {
		this.settingsRunner.withPropertyValues("spring.cache.cache-names=products,orders", "nearcache.defaults.ttl=2m")
			.run((context) -> {
				NearCacheManager manager = context.getBean(NearCacheManager.class);
				assertThat(manager.getCacheNames()).containsExactlyInAnyOrder("products", "orders");
				assertThat(manager.findCache("products").getSettings().ttl()).isEqualTo(Duration.ofMinutes(2));
			});
	}

	@Test
	void perCacheSettingsApplyToCachesAlsoListedInSpringCacheNames() {
		this.settingsRunner.withPropertyValues("spring.cache.cache-names=products", "nearcache.caches.products.ttl=7s")
			.run((context) -> assertThat(
					context.getBean(NearCacheManager.class).findCache("products").getSettings().ttl())
				.isEqualTo(Duration.ofSeconds(7)));
	}

	@Test
	void nonDynamicManagerReturnsNullForUnknownCaches() {
		this.settingsRunner.withPropertyValues("nearcache.dynamic=false", "spring.cache.cache-names=products")
			.run((context) -> {
				NearCacheManager manager = context.getBean(NearCacheManager.class);
				assertThat(manager.isDynamic()).isFalse();
				assertThat(manager.getCache("products")).isNotNull();
				assertThat(manager.getCache("unknown")).isNull();
				assertThat(manager.getCacheNames()).containsExactly("products");
			});
	}

	@Test
	void cacheManagerCustomizerIsApplied() {
		this.settingsRunner.withUserConfiguration(CustomizerConfiguration.class).run((context) -> {
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			CustomizerConfiguration configuration = context.getBean(CustomizerConfiguration.class);
			assertThat(configuration.customized).containsExactly(manager);
			assertThat(manager.findCache("created-by-customizer")).isNotNull();
		});
	}

	@Test
	void cacheManagerCustomizerForAnotherManagerTypeIsIgnored() {
		this.settingsRunner.withUserConfiguration(OtherCustomizerConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(OtherCustomizerConfiguration.class).called).isFalse();
		});
	}

	@Test
	void cacheKeyConverterBeanIsUsedByTheCanonicalizer() {
		this.settingsRunner.withUserConfiguration(ConverterConfiguration.class).run((context) -> {
			KeyCanonicalizer canonicalizer = context.getBean(KeyCanonicalizer.class);
			assertThat(canonicalizer.canonicalize(new ProductKey("abc", 3))).isEqualTo("product:abc/3");
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			assertThat(manager.getKeyCanonicalizer()).isSameAs(canonicalizer);
			assertThat(manager.getCache("products").canonicalKey(new ProductKey("x", 1))).isEqualTo("product:x/1");
		});
	}

	@Test
	void toStringTypesAreUsedByTheCanonicalizer() {
		this.settingsRunner.withPropertyValues("nearcache.keys.to-string-types=" + ProductKey.class.getName())
			.run((context) -> assertThat(context.getBean(KeyCanonicalizer.class).canonicalize(new ProductKey("a", 1)))
				.isEqualTo("ProductKey[sku=a, version=1]"));
	}

	@Test
	void maxMessageSizeConfiguresTheCodec() {
		this.settingsRunner.withPropertyValues("nearcache.invalidation.max-message-size=1KB")
			.run((context) -> assertThat(context.getBean(InvalidationCodec.class).maxMessageSize()).isEqualTo(1024));
	}

	// --- transport ---

	@Test
	void redisConfiguredGivesRedisPublisherAndSubscriber() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(RedisInvalidationPublisher.class);
			assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class);
			assertThat(context).hasSingleBean(InvalidationApplier.class);
			assertThat(context).hasSingleBean(InvalidationPublisher.class);
			assertThat(context.getBean(NearCacheManager.class).getPublisher())
				.isSameAs(context.getBean(RedisInvalidationPublisher.class));
			assertThat(context).hasSingleBean(NearCacheInvalidator.class);
		});
	}

	@Test
	void withoutRedisOnTheClasspathCachesAreLocalOnly() {
		// Hiding RedisConnectionFactory alone leaves Boot's Redis auto-configuration half visible (it then registers
		// both its Lettuce and Jedis factories); an application without Redis has none of Spring Data Redis.
		FilteredClassLoader noRedis = new FilteredClassLoader(RedisConnectionFactory.class.getPackageName(),
				"org.springframework.data.redis", "io.lettuce", "redis.clients");
		this.runner.withClassLoader(noRedis).run((context) -> {
			assertThat(context).hasNotFailed();
			assertLocalOnly(context);
		});
	}

	@Test
	void withoutRedisConnectionFactoryCachesAreLocalOnly() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class))
			.withUserConfiguration(CachingConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertLocalOnly(context);
			});
	}

	@Test
	void invalidationDisabledMakesCachesLocalOnly() {
		this.runner.withPropertyValues("nearcache.invalidation.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertLocalOnly(context);
		});
	}

	private static void assertLocalOnly(AssertableApplicationContext context) {
		assertThat(context).hasSingleBean(NearCacheManager.class);
		assertThat(context.getBean(InvalidationPublisher.class)).isSameAs(InvalidationPublisher.NONE);
		assertThat(context.getBean(NearCacheManager.class).getPublisher()).isSameAs(InvalidationPublisher.NONE);
		assertThat(context).doesNotHaveBean(RedisInvalidationPublisher.class);
		assertThat(context).doesNotHaveBean(RedisInvalidationSubscriber.class);
		assertThat(context).doesNotHaveBean(InvalidationApplier.class);
		NearCache cache = context.getBean(NearCacheManager.class).getCache("products");
		cache.put(1L, "local");
		assertThat(cache.get(1L, String.class)).isEqualTo("local");
	}

	@Test
	void cacheableFillIsNotBroadcastButCachePutIs() {
		this.runner.withUserConfiguration(RecordingPublisherConfiguration.class, ProductServiceConfiguration.class)
			.run((context) -> {
				RecordingPublisher publisher = context.getBean(RecordingPublisher.class);
				ProductService service = context.getBean(ProductService.class);
				assertThat(service.find(42L)).isEqualTo("product 42 #1");
				assertThat(service.find(42L)).isEqualTo("product 42 #1");
				assertThat(publisher.events).as("a @Cacheable fill is not a write").isEmpty();
				assertThat(service.update(42L)).isEqualTo("updated 42");
				assertThat(publisher.events).containsExactly("invalidate products [42]");
				assertThat(service.find(42L)).isEqualTo("updated 42");
			});
	}

	// --- back-off ---

	@Test
	void backsOffEntirelyWhenUserDefinesAnotherCacheManager() {
		this.runner.withUserConfiguration(ConcurrentMapCacheManagerConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).hasSingleBean(CacheManager.class);
			assertThat(context.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class);
			assertThat(context).doesNotHaveBean(NearCacheManager.class);
			assertThat(nearcacheBeans(context)).isEmpty();
		});
	}

	@Test
	void disabledDefinesNoNearcacheBeans() {
		this.runner.withPropertyValues("nearcache.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(NearCacheManager.class);
			assertThat(nearcacheBeans(context)).isEmpty();
			assertThat(context.getBean(CacheManager.class)).isNotInstanceOf(NearCacheManager.class);
		});
	}

	@Test
	void userDefinedNearCacheManagerIsKeptAndUsedByTheTransport() {
		this.runner.withUserConfiguration(UserNearCacheManagerConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(CacheManager.class);
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			assertThat(manager).isSameAs(context.getBean("userCacheManager"));
			assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class);
			assertThat(context).hasSingleBean(NearCacheInvalidator.class);
			NearCache cache = manager.getCache("user-cache");
			cache.put(42L, "value");
			byte[] remote = context.getBean(InvalidationCodec.class)
				.encode(new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "another-instance", 1L, 1L,
						"user-cache", List.of("42")));
			context.getBean(InvalidationApplier.class).apply(remote);
			assertThat(cache.get(42L)).as("remote invalidation applied to the user's manager").isNull();
			cache.put(43L, "value");
			context.getBean(NearCacheInvalidator.class).invalidate("user-cache", 43L);
			assertThat(cache.get(43L)).isNull();
		});
	}

	@Test
	void userKeyCanonicalizerIsUsed() {
		this.settingsRunner.withUserConfiguration(UserCanonicalizerConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(KeyCanonicalizer.class);
			KeyCanonicalizer user = context.getBean(UserCanonicalizerConfiguration.class).canonicalizer;
			assertThat(context.getBean(KeyCanonicalizer.class)).isSameAs(user);
			assertThat(context.getBean(NearCacheManager.class).getKeyCanonicalizer()).isSameAs(user);
		});
	}

	@Test
	void userNearCacheInvalidatorIsUsed() {
		this.settingsRunner.withUserConfiguration(UserInvalidatorConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(NearCacheInvalidator.class);
			assertThat(context.getBean(NearCacheInvalidator.class)).isInstanceOf(UserInvalidator.class);
		});
	}

	@Test
	void userInvalidationCodecIsUsed() {
		this.runner.withUserConfiguration(UserCodecConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(InvalidationCodec.class);
			InvalidationCodec codec = context.getBean(InvalidationCodec.class);
			assertThat(codec.maxMessageSize()).isEqualTo(300);
			NearCache cache = context.getBean(NearCacheManager.class).getCache("products");
			cache.put(42L, "value");
			byte[] tooLargeForUserCodec = new InvalidationCodec(64 * 1024)
				.encode(new InvalidationMessage(InvalidationMessage.Type.INVALIDATE, "another-instance", 1L, 1L,
						"products", List.of("42", "x".repeat(400))));
			context.getBean(InvalidationApplier.class).apply(tooLargeForUserCodec);
			assertThat(cache.get(42L)).as("the applier decodes with the user's codec, which drops it").isNotNull();
		});
	}

	@Test
	void userInvalidationApplierIsUsed() {
		this.runner.withUserConfiguration(UserApplierConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(InvalidationApplier.class);
			assertThat(context.getBean(InvalidationApplier.class)).isInstanceOf(UserApplier.class);
			assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class);
		});
	}

	@Test
	void userRedisInvalidationSubscriberIsUsed() {
		this.runner.withUserConfiguration(UserSubscriberConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(RedisInvalidationSubscriber.class);
			assertThat(context.getBean(RedisInvalidationSubscriber.class))
				.isSameAs(context.getBean("userSubscriber"));
		});
	}

	@Test
	void userInvalidationPublisherIsUsed() {
		this.runner.withUserConfiguration(RecordingPublisherConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(InvalidationPublisher.class);
			assertThat(context).doesNotHaveBean(RedisInvalidationPublisher.class);
			RecordingPublisher publisher = context.getBean(RecordingPublisher.class);
			NearCacheManager manager = context.getBean(NearCacheManager.class);
			assertThat(manager.getPublisher()).isSameAs(publisher);
			manager.getCache("products").evict(42L);
			assertThat(publisher.events).containsExactly("invalidate products [42]");
		});
	}

	// --- invalid configuration ---

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			nearcache.defaults.ttl=0                              | nearcache.defaults.ttl
			nearcache.defaults.ttl=-1s                            | nearcache.defaults.ttl
			nearcache.caches.products.ttl=0                       | nearcache.caches.products.ttl
			nearcache.caches.products.null-ttl=-5s                | nearcache.caches.products.null-ttl
			nearcache.caches.products.maximum-size=-2             | nearcache.caches.products.maximum-size
			nearcache.defaults.maximum-size=-1                    | nearcache.defaults.maximum-size
			nearcache.defaults.null-ttl=0                         | nearcache.defaults.null-ttl
			nearcache.keys.to-string-types=com.nope.Missing       | nearcache.keys.to-string-types
			nearcache.invalidation.max-message-size=10B           | nearcache.invalidation.max-message-size
			nearcache.invalidation.max-pending-keys=0             | nearcache.invalidation.max-pending-keys
			nearcache.invalidation.receive-queue-capacity=-1      | nearcache.invalidation.receive-queue-capacity
			""")
	void badValueFailsStartupNamingTheProperty(String property, String name) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			Throwable root = NestedExceptionUtils.getRootCause(context.getStartupFailure());
			assertThat(root).isInstanceOf(InvalidConfigurationPropertyValueException.class);
			assertThat(((InvalidConfigurationPropertyValueException) root).getName()).isEqualTo(name);
			assertThat(root.getMessage()).contains(name);
		});
	}

	@Test
	void zeroMaximumSizeIsAccepted() {
		this.settingsRunner.withPropertyValues("nearcache.defaults.maximum-size=0")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	// --- configuration metadata ---

	@Test
	void configurationMetadataDescribesEveryProperty() throws IOException {
		Map<String, JsonNode> properties = nearcacheMetadataProperties();
		assertThat(properties).containsKeys("nearcache.enabled", "nearcache.instance-id", "nearcache.channel",
				"nearcache.dynamic", "nearcache.defaults.ttl", "nearcache.defaults.null-ttl",
				"nearcache.defaults.maximum-size", "nearcache.defaults.allow-null-values", "nearcache.defaults.broadcast",
				"nearcache.caches", "nearcache.invalidation.enabled", "nearcache.invalidation.max-message-size",
				"nearcache.keys.to-string-types");
		properties.forEach((name, property) -> {
			JsonNode description = property.get("description");
			assertThat(description).as("description of %s", name).isNotNull();
			assertThat(description.asString()).as("description of %s", name).isNotBlank();
		});
		assertThat(properties.get("nearcache.caches").get("type").asString()).startsWith("java.util.Map<");
		assertThat(properties.get("nearcache.defaults.ttl").get("type").asString()).isEqualTo("java.time.Duration");
	}

	@Test
	void configurationMetadataHasDefaultsMatchingTheCode() throws IOException {
		Map<String, JsonNode> properties = nearcacheMetadataProperties();
		assertThat(properties.get("nearcache.enabled").get("defaultValue").asBoolean()).isTrue();
		assertThat(properties.get("nearcache.dynamic").get("defaultValue").asBoolean()).isTrue();
		assertThat(properties.get("nearcache.defaults.maximum-size").get("defaultValue").asLong()).isEqualTo(10_000);
		assertThat(properties.get("nearcache.defaults.allow-null-values").get("defaultValue").asBoolean()).isTrue();
		assertThat(properties.get("nearcache.invalidation.enabled").get("defaultValue").asBoolean()).isTrue();
	}

	private static Map<String, JsonNode> nearcacheMetadataProperties() throws IOException {
		JsonMapper mapper = JsonMapper.builder().build();
		Map<String, JsonNode> properties = new TreeMap<>();
		Enumeration<URL> resources = NearCacheAutoConfigurationTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json");
		while (resources.hasMoreElements()) {
			try (InputStream in = resources.nextElement().openStream()) {
				JsonNode root = mapper.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
				for (JsonNode property : root.path("properties")) {
					String name = property.get("name").asString();
					if (name.startsWith("nearcache.")) {
						properties.put(name, property);
					}
				}
			}
		}
		assertThat(properties).as("nearcache metadata on the classpath").isNotEmpty();
		return properties;
	}

	// --- helpers ---

	private static List<String> nearcacheBeans(AssertableApplicationContext context) {
		ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
		List<String> beans = new ArrayList<>();
		for (String name : beanFactory.getBeanDefinitionNames()) {
			Class<?> type = beanFactory.getType(name);
			if (type != null && type.getName().startsWith("dev.nearcache.")
					&& !type.getName().startsWith(NearCacheAutoConfigurationTests.class.getName())) {
				beans.add(name + " (" + type.getName() + ")");
			}
		}
		return beans;
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CachingConfiguration {

	}

	@Configuration(proxyBeanMethods = false)
	static class ConcurrentMapCacheManagerConfiguration {

		@Bean
		ConcurrentMapCacheManager userCacheManager() {
			return new ConcurrentMapCacheManager();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserNearCacheManagerConfiguration {

		@Bean
		NearCacheManager userCacheManager() {
			NearCacheSettings defaults = new NearCacheSettings("default", Duration.ofMinutes(1),
					Duration.ofSeconds(10), 100, true, true);
			return new NearCacheManager(defaults, List.of(defaults.withName("user-cache")), true,
					new KeyCanonicalizer(), InvalidationPublisher.NONE);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomizerConfiguration {

		final List<NearCacheManager> customized = new CopyOnWriteArrayList<>();

		@Bean
		CacheManagerCustomizer<NearCacheManager> nearCacheManagerCustomizer() {
			return (manager) -> {
				this.customized.add(manager);
				manager.getCache("created-by-customizer");
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OtherCustomizerConfiguration {

		volatile boolean called;

		@Bean
		CacheManagerCustomizer<ConcurrentMapCacheManager> concurrentMapCustomizer() {
			return new CacheManagerCustomizer<>() {

				@Override
				public void customize(ConcurrentMapCacheManager cacheManager) {
					OtherCustomizerConfiguration.this.called = true;
				}

			};
		}

	}

	record ProductKey(String sku, int version) {
	}

	@Configuration(proxyBeanMethods = false)
	static class ConverterConfiguration {

		@Bean
		CacheKeyConverter<ProductKey> productKeyConverter() {
			return new CacheKeyConverter<>() {

				@Override
				public Class<ProductKey> keyType() {
					return ProductKey.class;
				}

				@Override
				public String toCanonicalString(ProductKey key) {
					return "product:" + key.sku() + "/" + key.version();
				}

			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserCanonicalizerConfiguration {

		final KeyCanonicalizer canonicalizer = new KeyCanonicalizer();

		@Bean
		KeyCanonicalizer userCanonicalizer() {
			return this.canonicalizer;
		}

	}

	static class UserInvalidator extends NearCacheInvalidator {

		UserInvalidator(NearCacheManager cacheManager) {
			super(cacheManager);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserInvalidatorConfiguration {

		@Bean
		UserInvalidator userInvalidator(NearCacheManager cacheManager) {
			return new UserInvalidator(cacheManager);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserCodecConfiguration {

		@Bean
		InvalidationCodec userCodec() {
			return new InvalidationCodec(300);
		}

	}

	static class UserApplier extends InvalidationApplier {

		UserApplier(NearCacheManager cacheManager, InvalidationCodec codec, InvalidationStatistics statistics) {
			super(cacheManager, codec, statistics);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserApplierConfiguration {

		@Bean
		UserApplier userApplier(NearCacheManager cacheManager, InvalidationCodec codec,
				InvalidationStatistics statistics) {
			return new UserApplier(cacheManager, codec, statistics);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserSubscriberConfiguration {

		@Bean
		RedisInvalidationSubscriber userSubscriber(RedisConnectionFactory connectionFactory,
				InvalidationApplier applier, ChannelMonitor monitor, InvalidationStatistics statistics) {
			return new RedisInvalidationSubscriber(connectionFactory, "user-channel", applier, monitor, statistics,
					Duration.ofSeconds(1), Duration.ofSeconds(1), 10);
		}

	}

	/** Records what would be published; our own interface, not a Redis mock. */
	static class RecordingPublisher implements InvalidationPublisher {

		final List<String> events = new CopyOnWriteArrayList<>();

		@Override
		public void publishInvalidation(String cacheName, Collection<String> canonicalKeys) {
			this.events.add("invalidate " + cacheName + " " + canonicalKeys);
		}

		@Override
		public void publishClear(@Nullable String cacheName) {
			this.events.add("clear " + cacheName);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingPublisherConfiguration {

		@Bean
		RecordingPublisher recordingPublisher() {
			return new RecordingPublisher();
		}

	}

	static class ProductService {

		private int loads;

		@Cacheable("products")
		public String find(long id) {
			this.loads++;
			return "product " + id + " #" + this.loads;
		}

		@CachePut(cacheNames = "products", key = "#id")
		public String update(long id) {
			return "updated " + id;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProductServiceConfiguration {

		@Bean
		ProductService productService() {
			return new ProductService();
		}

	}

}
