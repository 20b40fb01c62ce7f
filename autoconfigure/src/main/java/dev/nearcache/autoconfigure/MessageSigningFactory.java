package dev.nearcache.autoconfigure;

import java.nio.charset.StandardCharsets;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import dev.nearcache.invalidation.MessageSigning;

/**
 * Turns {@code nearcache.security.signing.*} into a {@link MessageSigning}, refusing values that would make
 * signing weak or silently off, and says once at startup what is in force. Secrets never appear in messages.
 */
final class MessageSigningFactory {

	private static final Log logger = LogFactory.getLog(MessageSigningFactory.class);

	private static final String PREFIX = "nearcache.security.signing.";

	private MessageSigningFactory() {
	}

	static @Nullable MessageSigning create(NearCacheProperties.Signing signing) {
		String secret = signing.getSecret();
		if (secret == null || secret.isEmpty()) {
			if (signing.getPreviousSecret() != null && !signing.getPreviousSecret().isEmpty()) {
				throw new InvalidConfigurationPropertyValueException(PREFIX + "previous-secret", "******",
						"Set only together with " + PREFIX + "secret; without a secret nothing is signed or verified");
			}
			return null;
		}
		requireLongEnough(PREFIX + "secret", secret);
		if (signing.getPreviousSecret() != null && !signing.getPreviousSecret().isEmpty()) {
			requireLongEnough(PREFIX + "previous-secret", signing.getPreviousSecret());
		}
		if (signing.getMaxAge().isNegative() || signing.getMaxAge().isZero()) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "max-age", signing.getMaxAge(),
					"Must be a positive duration that covers clock differences between hosts, e.g. 60s");
		}
		MessageSigning messageSigning = new MessageSigning(secret, signing.getPreviousSecret(), signing.getMaxAge(),
				signing.isAcceptUnsigned());
		if (signing.isAcceptUnsigned()) {
			logger.warn("nearcache: messages are signed, but unsigned messages are still applied (" + PREFIX
					+ "accept-unsigned=true); set it to false once every publisher signs");
		}
		else {
			logger.info("nearcache: messages are signed (HMAC-SHA256); unsigned, wrongly signed and messages older than "
					+ Durations.format(signing.getMaxAge()) + " are dropped");
		}
		return messageSigning;
	}

	private static void requireLongEnough(String property, String secret) {
		int length = secret.getBytes(StandardCharsets.UTF_8).length;
		if (length < MessageSigning.MIN_SECRET_BYTES) {
			throw new InvalidConfigurationPropertyValueException(property, "(" + length + " bytes)",
					"Must be at least " + MessageSigning.MIN_SECRET_BYTES
							+ " bytes; generate one with 'openssl rand -base64 32'");
		}
	}

}
