package dev.nearcache.autoconfigure;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisSentinelConfiguration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * A Lettuce connection factory of nearcache's own: same Redis as the application's Lettuce connection factory,
 * other credentials ({@code nearcache.redis.username}/{@code password}).
 * <p>
 * Where to connect (standalone host and database, sentinel master and nodes, cluster nodes and redirects) is
 * copied from the application's factory, and its whole client configuration is reused as is: SSL and its
 * bundle, timeouts, client options (including nearcache's keepalive customizer) and the shared client
 * resources, which this factory then never shuts down. Only the credentials differ, so that a Redis ACL user can
 * be limited to nearcache's channel while the application keeps its own.
 */
final class SeparateLettuceConnectionFactory implements DisposableBean {

	private static final String CONNECTION_DETAILS = "org.springframework.boot.data.redis.autoconfigure."
			+ "DataRedisConnectionDetails";

	private final LettuceConnectionFactory connectionFactory;

	private SeparateLettuceConnectionFactory(LettuceConnectionFactory connectionFactory) {
		this.connectionFactory = connectionFactory;
	}

	static SeparateLettuceConnectionFactory create(RedisConnectionFactory application, NearCacheProperties.Redis redis,
			String property, Object shown, BeanFactory beanFactory) {
		LettuceConnectionFactory lettuce = (LettuceConnectionFactory) application;
		LettuceClientConfiguration client = lettuce.getClientConfiguration();
		if (client.getRedisCredentialsProviderFactory().isPresent()) {
			throw new InvalidConfigurationPropertyValueException(property, shown,
					"The application's Lettuce client configuration has a RedisCredentialsProviderFactory, which "
							+ "would override nearcache's credentials; remove nearcache.redis.username and "
							+ "nearcache.redis.password to share the application's connection");
		}
		if (isMasterReplica(beanFactory)) {
			throw new InvalidConfigurationPropertyValueException(property, shown,
					"A separate nearcache connection is not supported with a static master/replica setup "
							+ "(spring.data.redis.masterreplica); remove nearcache.redis.username and "
							+ "nearcache.redis.password to share the application's connection");
		}
		LettuceConnectionFactory own;
		if (lettuce.isClusterAware()) {
			own = new LettuceConnectionFactory(cluster(lettuce.getClusterConfiguration(), redis), client);
		}
		else if (lettuce.isRedisSentinelAware()) {
			own = new LettuceConnectionFactory(sentinel(lettuce.getSentinelConfiguration(), redis), client);
		}
		else {
			own = new LettuceConnectionFactory(standalone(lettuce.getStandaloneConfiguration(), redis), client);
		}
		own.afterPropertiesSet();
		own.start();
		return new SeparateLettuceConnectionFactory(own);
	}

	RedisConnectionFactory connectionFactory() {
		return this.connectionFactory;
	}

	@Override
	public void destroy() {
		this.connectionFactory.destroy();
	}

	private static RedisStandaloneConfiguration standalone(RedisStandaloneConfiguration application,
			NearCacheProperties.Redis redis) {
		RedisStandaloneConfiguration own = new RedisStandaloneConfiguration(application.getHostName(),
				application.getPort());
		own.setDatabase(application.getDatabase());
		own.setUsername(redis.getUsername());
		own.setPassword(redis.getPassword());
		return own;
	}

	private static RedisSentinelConfiguration sentinel(RedisSentinelConfiguration application,
			NearCacheProperties.Redis redis) {
		RedisSentinelConfiguration own = new RedisSentinelConfiguration();
		own.setMaster(application.getRequiredMaster());
		own.setSentinels(application.getSentinels());
		own.setDatabase(application.getDatabase());
		// Sentinels are asked where the master is with the application's sentinel credentials.
		own.setSentinelUsername(application.getSentinelUsername());
		own.setSentinelPassword(application.getSentinelPassword());
		own.setUsername(redis.getUsername());
		own.setPassword(redis.getPassword());
		return own;
	}

	private static RedisClusterConfiguration cluster(RedisClusterConfiguration application,
			NearCacheProperties.Redis redis) {
		RedisClusterConfiguration own = new RedisClusterConfiguration();
		own.setClusterNodes(application.getClusterNodes());
		Integer maxRedirects = application.getMaxRedirects();
		if (maxRedirects != null) {
			own.setMaxRedirects(maxRedirects);
		}
		own.setUsername(redis.getUsername());
		own.setPassword(redis.getPassword());
		return own;
	}

	/**
	 * Whether Spring Boot connects to a static master/replica setup, which the application's factory does not
	 * reveal (it reports a default standalone configuration then).
	 */
	private static boolean isMasterReplica(BeanFactory beanFactory) {
		if (!ClassUtils.isPresent(CONNECTION_DETAILS, SeparateLettuceConnectionFactory.class.getClassLoader())) {
			return false;
		}
		return BootConnectionDetails.isMasterReplica(beanFactory);
	}

	/** Loaded only when Spring Boot's Redis module is present. */
	private static final class BootConnectionDetails {

		static boolean isMasterReplica(BeanFactory beanFactory) {
			org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails details = beanFactory
				.getBeanProvider(org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails.class)
				.getIfUnique();
			return details != null && details.getMasterReplica() != null;
		}

	}

}
