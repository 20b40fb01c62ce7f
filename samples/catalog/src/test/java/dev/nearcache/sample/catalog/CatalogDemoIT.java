package dev.nearcache.sample.catalog;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs {@code demo.sh} end to end against the packaged jar (so in {@code verify}, after {@code package}): its own
 * Redis, two catalog instances on one database, an update on one seen by the other. Its output is kept in
 * {@code target/demo-output.txt}.
 */
class CatalogDemoIT {

	private static final long TIMEOUT_SECONDS = 240;

	@Test
	void demoRunsEndToEnd() throws Exception {
		// The script needs bash and curl; a machine with only a JDK skips it (the Java tests cover the same flow).
		assumeTrue(commandAvailable("bash") && commandAvailable("curl"), "demo.sh needs bash and curl on the PATH");
		String jar = System.getProperty("catalog.jar");
		assertThat(jar).as("system property catalog.jar (set by the failsafe configuration)").isNotNull();
		assertThat(new File(jar)).exists();
		Path output = Path.of("target", "demo-output.txt");
		ProcessBuilder builder = new ProcessBuilder("bash", "demo.sh").redirectErrorStream(true)
			.redirectOutput(output.toFile());
		builder.environment().put("CATALOG_JAR", jar);
		Process process = builder.start();
		if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
			// SIGTERM: the script's trap stops the instances and Redis it started.
			process.destroy();
			process.waitFor(30, TimeUnit.SECONDS);
			fail("demo.sh did not finish within " + TIMEOUT_SECONDS + " s:\n" + read(output));
		}
		String text = read(output);
		assertThat(process.exitValue()).as(text).isZero();
		assertThat(text).contains("Hosting the catalog database", "joining the catalog database",
				"the second read on each instance was a local hit", "catalog-2 served the new value",
				"without credentials: HTTP 401", "demo: OK", "stopped catalog-1", "stopped catalog-2",
				"catalog-2 still serves price 29.90", "Stale read confirmed in cache 'products', key 2");
		assertThat(text).containsPattern("catalog-2 +channel SUBSCRIBED .*invalidations local=0 remote=1");
	}

	private static boolean commandAvailable(String command) {
		for (String directory : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
			if (new File(directory, command).canExecute()) {
				return true;
			}
		}
		return false;
	}

	private static String read(Path output) throws Exception {
		return Files.readString(output, StandardCharsets.UTF_8);
	}

}
