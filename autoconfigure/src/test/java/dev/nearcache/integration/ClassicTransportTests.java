package dev.nearcache.integration;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.nearcache.testsupport.RedisServerProcess;

/**
 * {@link TransportContractTests} on classic pub/sub: one Redis server, Spring Data Redis' listener container.
 */
class ClassicTransportTests extends TransportContractTests {

	private RedisServerProcess redis;

	@BeforeAll
	void startRedis() {
		this.redis = RedisServerProcess.start();
	}

	@AfterAll
	void stopRedis() {
		this.redis.close();
	}

	@Override
	int redisPort() {
		return this.redis.port();
	}

	@Override
	List<String> transportProperties() {
		return List.of("nearcache.redis.pubsub=classic");
	}

}
