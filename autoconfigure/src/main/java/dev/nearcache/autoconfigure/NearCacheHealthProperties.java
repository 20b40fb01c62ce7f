package dev.nearcache.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the {@code nearcache} health contributor.
 */
@ConfigurationProperties("nearcache.health")
public class NearCacheHealthProperties {

	/**
	 * Whether the nearcache health contributor reports DOWN while the invalidation channel is not subscribed or
	 * not proven alive (Redis unreachable). By default it reports DEGRADED, which Spring Boot's health
	 * aggregation ignores, since caches keep serving locally meanwhile.
	 */
	private boolean downWhenDisconnected;

	public boolean isDownWhenDisconnected() {
		return this.downWhenDisconnected;
	}

	public void setDownWhenDisconnected(boolean downWhenDisconnected) {
		this.downWhenDisconnected = downWhenDisconnected;
	}

}
