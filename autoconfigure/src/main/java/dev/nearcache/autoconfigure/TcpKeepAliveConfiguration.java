package dev.nearcache.autoconfigure;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Opt-in TCP keepalive timing on the application's Lettuce connections
 * ({@code nearcache.invalidation.tcp-keep-alive-idle}). Keeps every socket option Spring Boot already set
 * (connect timeout, ...) and changes only the keepalive options.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ ClientOptions.class, LettuceClientOptionsBuilderCustomizer.class })
@ConditionalOnProperty("nearcache.invalidation.tcp-keep-alive-idle")
class TcpKeepAliveConfiguration {

	@Bean
	LettuceClientOptionsBuilderCustomizer nearCacheTcpKeepAlive(NearCacheProperties properties) {
		Duration idle = properties.getInvalidation().getTcpKeepAliveIdle();
		if (idle == null || idle.toSeconds() < 1) {
			throw new InvalidConfigurationPropertyValueException("nearcache.invalidation.tcp-keep-alive-idle", idle,
					"Must be at least 1s (TCP keepalive counts in seconds), e.g. 10s");
		}
		SocketOptions.KeepAliveOptions keepAlive = SocketOptions.KeepAliveOptions.builder()
			.enable()
			.idle(idle)
			.interval(Duration.ofSeconds(Math.max(1, idle.toSeconds() / 3)))
			.count(3)
			.build();
		return (builder) -> builder
			.socketOptions(builder.build().getSocketOptions().mutate().keepAlive(keepAlive).build());
	}

}
