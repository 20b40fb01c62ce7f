package dev.nearcache.autoconfigure;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InvalidationConnection}: the application's connection factory by default, a separate one that
 * is not a bean when nearcache has credentials of its own. Redis is configured on a port where nothing listens;
 * none of these tests connects.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class InvalidationConnectionTests {

	private static final int UNUSED_PORT = unusedPort();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, NearCacheAutoConfiguration.class,
				CacheAutoConfiguration.class))
		.withUserConfiguration(CachingConfiguration.class)
		.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + UNUSED_PORT,
				"spring.data.redis.database=3", "spring.data.redis.username=app", "spring.data.redis.password=app-pw",
				"spring.data.redis.timeout=700ms", "spring.data.redis.connect-timeout=500ms");

	@Test
	void withoutCredentialsNearcacheSharesTheApplicationsConnectionFactory() {
		this.runner.run((context) -> {
			InvalidationConnection connection = context.getBean(InvalidationConnection.class);
			assertThat(connection.isSeparate()).isFalse();
			assertThat(connection.connectionFactory()).isSameAs(context.getBean(RedisConnectionFactory.class));
		});
	}

	@Test
	void withCredentialsNearcacheConnectsToTheSameRedisAsItsOwnUser() {
		this.runner.withPropertyValues("nearcache.redis.username=nearcache", "nearcache.redis.password=secret")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				InvalidationConnection connection = context.getBean(InvalidationConnection.class);
				assertThat(connection.isSeparate()).isTrue();
				LettuceConnectionFactory application = context.getBean(LettuceConnectionFactory.class);
				LettuceConnectionFactory own = (LettuceConnectionFactory) connection.connectionFactory();
				assertThat(own).isNotSameAs(application);
				assertThat(own.getHostName()).isEqualTo("127.0.0.1");
				assertThat(own.getPort()).isEqualTo(UNUSED_PORT);
				assertThat(own.getDatabase()).isEqualTo(3);
				assertThat(own.getStandaloneConfiguration().getUsername()).isEqualTo("nearcache");
				assertThat(own.getStandaloneConfiguration().getPassword().get()).isEqualTo("secret".toCharArray());
				assertThat(own.getClientConfiguration()).isSameAs(application.getClientConfiguration());
				assertThat(application.getStandaloneConfiguration().getUsername()).isEqualTo("app");
			});
	}

	@Test
	void theSeparateConnectionFactoryIsNoBeanSoTheApplicationsRedisAutoConfigurationStays() {
		this.runner.withPropertyValues("nearcache.redis.username=nearcache", "nearcache.redis.password=secret")
			.run((context) -> {
				assertThat(context.getBeansOfType(RedisConnectionFactory.class)).hasSize(1);
				assertThat(context).hasSingleBean(StringRedisTemplate.class);
				ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
				assertThat(beanFactory.getBeanNamesForType(RedisConnectionFactory.class, true, false)).hasSize(1);
			});
	}

	@Test
	void theSeparateConnectionFactoryIsDestroyedWithTheContext() {
		LettuceConnectionFactory[] own = new LettuceConnectionFactory[1];
		this.runner.withPropertyValues("nearcache.redis.password=secret").run((context) -> {
			own[0] = (LettuceConnectionFactory) context.getBean(InvalidationConnection.class).connectionFactory();
			assertThat(own[0].isRunning()).isTrue();
			assertThat(own[0].getStandaloneConfiguration().getUsername()).isNull();
		});
		assertThat(own[0].isRunning()).isFalse();
	}

	@Test
	void staticMasterReplicaIsRefusedWithTheProperty() {
		this.runner
			.withPropertyValues("spring.data.redis.masterreplica.nodes=127.0.0.1:" + UNUSED_PORT,
					"nearcache.redis.username=nearcache")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("nearcache.redis.username")
				.hasMessageContaining("master/replica"));
	}

	@Test
	void aConnectionFactoryOtherThanLettuceIsRefusedWithTheProperty() {
		this.runner
			.withBean("redisConnectionFactory", RedisConnectionFactory.class, InvalidationConnectionTests::notLettuce)
			.withPropertyValues("nearcache.redis.username=nearcache")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("nearcache.redis.username")
				.hasMessageContaining("needs Lettuce"));
	}

	/** A connection factory of another client (as Jedis's would be), never asked for a connection here. */
	private static RedisConnectionFactory notLettuce() {
		InvocationHandler handler = (proxy, method, arguments) -> switch (method.getName()) {
			case "toString" -> "OtherClientConnectionFactory";
			case "hashCode" -> System.identityHashCode(proxy);
			case "equals" -> proxy == arguments[0];
			default -> throw new UnsupportedOperationException(method.getName());
		};
		return (RedisConnectionFactory) Proxy.newProxyInstance(InvalidationConnectionTests.class.getClassLoader(),
				new Class<?>[] { RedisConnectionFactory.class }, handler);
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

}
