package dev.nearcache.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * The connection factory nearcache's transport publishes and subscribes with: the application's own, or, when
 * {@code nearcache.redis.username} or {@code nearcache.redis.password} is set, a Lettuce connection factory of
 * nearcache's own with those credentials (see {@link SeparateLettuceConnectionFactory}).
 * <p>
 * The separate factory is deliberately not a bean: a second {@link RedisConnectionFactory} bean would make
 * Spring Boot's single-candidate conditions back off the application's template and listener container, and
 * could be injected where the application expects its own. This holder is the bean instead; it is destroyed
 * after the publisher and subscriber that depend on it, and closes the separate factory then.
 */
final class InvalidationConnection implements DisposableBean {

	private static final Log logger = LogFactory.getLog(InvalidationConnection.class);

	private static final String LETTUCE = "io.lettuce.core.RedisClient";

	private final RedisConnectionFactory connectionFactory;

	private final @Nullable DisposableBean separate;

	private InvalidationConnection(RedisConnectionFactory connectionFactory, @Nullable DisposableBean separate) {
		this.connectionFactory = connectionFactory;
		this.separate = separate;
	}

	/**
	 * Share the application's connection factory, or build a separate one if nearcache has credentials of its own.
	 * @param application the application's connection factory
	 * @param redis nearcache's own credentials, if any
	 * @param beanFactory where to find Spring Boot's Redis connection details
	 * @return the connection nearcache's transport uses
	 */
	static InvalidationConnection of(RedisConnectionFactory application, NearCacheProperties.Redis redis,
			BeanFactory beanFactory) {
		if (redis.getUsername() == null && redis.getPassword() == null) {
			return new InvalidationConnection(application, null);
		}
		String property = (redis.getUsername() != null) ? "nearcache.redis.username" : "nearcache.redis.password";
		Object shown = (redis.getUsername() != null) ? redis.getUsername() : "******";
		if (!ClassUtils.isPresent(LETTUCE, InvalidationConnection.class.getClassLoader())
				|| !LettuceCheck.isLettuce(application)) {
			throw new InvalidConfigurationPropertyValueException(property, shown,
					"A separate nearcache connection needs Lettuce, but the application's connection factory is a "
							+ application.getClass().getName() + "; use Lettuce (Spring Boot's default) or remove "
							+ "nearcache.redis.username and nearcache.redis.password to share the application's "
							+ "connection");
		}
		SeparateLettuceConnectionFactory separate = SeparateLettuceConnectionFactory.create(application, redis,
				property, shown, beanFactory);
		logger.info("nearcache: publishing and subscribing on a Redis connection of its own, as user '"
				+ ((redis.getUsername() != null) ? redis.getUsername() : "default") + "' (nearcache.redis.*)");
		return new InvalidationConnection(separate.connectionFactory(), separate);
	}

	/** The connection factory to publish and subscribe with. */
	RedisConnectionFactory connectionFactory() {
		return this.connectionFactory;
	}

	/** Whether nearcache has a connection of its own rather than the application's. */
	boolean isSeparate() {
		return this.separate != null;
	}

	@Override
	public void destroy() throws Exception {
		if (this.separate != null) {
			this.separate.destroy();
		}
	}

	/** Keeps Lettuce types out of the holder, which also serves applications on Jedis. */
	private static final class LettuceCheck {

		static boolean isLettuce(RedisConnectionFactory factory) {
			return factory instanceof org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
		}

	}

}
