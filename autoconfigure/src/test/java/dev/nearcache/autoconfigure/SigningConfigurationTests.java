package dev.nearcache.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.cache.autoconfigure.CacheAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.nearcache.invalidation.InvalidationCodec;
import dev.nearcache.testsupport.CachingEnabled;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code nearcache.security.signing.*}: binding, and startup failures that name the property and the fix.
 * No Redis: signing lives in the codec, which exists local-only too.
 */
class SigningConfigurationTests {

	private static final String SECRET = "configuration-tests-secret-0123456789abc";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(CachingEnabled.class)
		.withConfiguration(AutoConfigurations.of(NearCacheAutoConfiguration.class, CacheAutoConfiguration.class))
		.withPropertyValues("nearcache.invalidation.enabled=false");

	@Test
	void messagesAreUnsignedByDefault() {
		this.runner.run((context) -> assertThat(context.getBean(InvalidationCodec.class).isSigning()).isFalse());
	}

	@Test
	void secretTurnsSigningOn() {
		this.runner
			.withPropertyValues("nearcache.security.signing.secret=" + SECRET,
					"nearcache.security.signing.max-age=10s")
			.run((context) -> {
				assertThat(context.getBean(InvalidationCodec.class).isSigning()).isTrue();
				assertThat(context.getBean(NearCacheProperties.class).getSecurity().getSigning().getMaxAge())
					.isEqualTo(Duration.ofSeconds(10));
			});
	}

	@Test
	void shortSecretFailsStartupWithoutShowingIt() {
		this.runner.withPropertyValues("nearcache.security.signing.secret=short-secret").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("nearcache.security.signing.secret")
				.hasMessageContaining("at least 32 bytes")
				.hasMessageContaining("openssl rand -base64 32")
				.hasMessageNotContaining("short-secret");
		});
	}

	@Test
	void shortPreviousSecretFailsStartup() {
		this.runner
			.withPropertyValues("nearcache.security.signing.secret=" + SECRET,
					"nearcache.security.signing.previous-secret=old")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("nearcache.security.signing.previous-secret"));
	}

	@Test
	void previousSecretWithoutSecretFailsStartup() {
		this.runner.withPropertyValues("nearcache.security.signing.previous-secret=" + SECRET)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("nearcache.security.signing.previous-secret")
				.hasMessageContaining("nearcache.security.signing.secret"));
	}

	@Test
	void nonPositiveMaxAgeFailsStartup() {
		this.runner
			.withPropertyValues("nearcache.security.signing.secret=" + SECRET, "nearcache.security.signing.max-age=0s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("nearcache.security.signing.max-age"));
	}

}
