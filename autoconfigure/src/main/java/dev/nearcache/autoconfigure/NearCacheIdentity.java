package dev.nearcache.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Who this instance is on the channel, and which channel: the defaults of {@code nearcache.instance-id} and
 * {@code nearcache.channel}.
 *
 * @param instanceId this instance's id, sent as {@code origin}
 * @param channel the pub/sub channel
 */
record NearCacheIdentity(String instanceId, String channel) {

	static NearCacheIdentity of(NearCacheProperties properties, Environment environment) {
		String instanceId = StringUtils.hasText(properties.getInstanceId()) ? properties.getInstanceId()
				: defaultInstanceId();
		String channel = StringUtils.hasText(properties.getChannel()) ? properties.getChannel()
				: "nearcache:" + environment.getProperty("spring.application.name", "application");
		return new NearCacheIdentity(instanceId, channel);
	}

	/** host-pid-random: readable in logs, unique per process. No DNS lookup on the startup path. */
	private static String defaultInstanceId() {
		String host = System.getenv("HOSTNAME");
		if (!StringUtils.hasText(host)) {
			host = System.getenv("COMPUTERNAME");
		}
		if (!StringUtils.hasText(host)) {
			host = kernelHostname();
		}
		if (!StringUtils.hasText(host)) {
			host = "host";
		}
		byte[] random = new byte[3];
		ThreadLocalRandom.current().nextBytes(random);
		return host + "-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(random);
	}

	/** Linux keeps the host name in a file: reading it cannot block on DNS. */
	private static String kernelHostname() {
		try {
			return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
		}
		catch (IOException | RuntimeException ex) {
			return "";
		}
	}

}
