package dev.nearcache.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/configuration.md} cannot drift from the configuration metadata: every property of nearcache's
 * {@code spring-configuration-metadata.json} (generated from the {@code @ConfigurationProperties} classes and the
 * endpoint, merged with {@code additional-spring-configuration-metadata.json}) has a row in one of its tables, with
 * the metadata's default; every row names a real property; every documented value hint is explained.
 */
class ConfigurationDocsTests {

	private static final Path DOC = Path.of("../docs/configuration.md");

	/** {@code | `name` | default | meaning |} */
	private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9.<>-]+)` \\|([^|]*)\\|(.+)\\|$");

	private static final String PER_CACHE = "nearcache.caches.<name>.";

	private static JsonNode metadata;

	private static Map<String, JsonNode> properties;

	private static Map<String, String> rows;

	private static String doc;

	@BeforeAll
	static void load() throws IOException {
		metadata = nearcacheMetadata();
		properties = new LinkedHashMap<>();
		for (JsonNode property : metadata.path("properties")) {
			properties.put(property.get("name").asString(), property);
		}
		doc = Files.readString(DOC, StandardCharsets.UTF_8);
		rows = new LinkedHashMap<>();
		for (String line : doc.lines().toList()) {
			Matcher row = ROW.matcher(line.strip());
			if (row.matches()) {
				assertThat(rows.put(row.group(1), row.group(2).strip())).as("second row for %s", row.group(1)).isNull();
			}
		}
	}

	@Test
	void everyPropertyInTheMetadataIsDocumented() {
		List<String> missing = new ArrayList<>();
		for (String name : properties.keySet()) {
			boolean documented = rows.containsKey(name)
					|| rows.keySet().stream().anyMatch((row) -> row.startsWith(name + "."));
			if (!documented) {
				missing.add(name);
			}
		}
		assertThat(missing).as("properties of the metadata without a row in " + DOC).isEmpty();
	}

	@Test
	void everyPerCachePropertyIsDocumented() {
		List<String> missing = new ArrayList<>();
		for (Field field : NearCacheProperties.CacheSpec.class.getDeclaredFields()) {
			if (!Modifier.isStatic(field.getModifiers()) && !rows.containsKey(PER_CACHE + kebab(field.getName()))) {
				missing.add(PER_CACHE + kebab(field.getName()));
			}
		}
		assertThat(missing).as("per-cache properties without a row in " + DOC).isEmpty();
	}

	@Test
	void everyDocumentedPropertyExists() {
		List<String> unknown = rows.keySet()
			.stream()
			.filter((row) -> !properties.containsKey(row))
			.filter((row) -> !(row.startsWith(PER_CACHE) && properties.containsKey("nearcache.caches")))
			.toList();
		assertThat(unknown).as("rows of " + DOC + " naming no property of the metadata").isEmpty();
	}

	@Test
	void documentedDefaultsAreTheMetadataDefaults() {
		List<String> wrong = new ArrayList<>();
		properties.forEach((name, property) -> {
			JsonNode value = property.get("defaultValue");
			String row = rows.get(name);
			if (value != null && row != null && !row.contains("`" + value.asString() + "`")) {
				wrong.add(name + ": documented " + row + ", metadata says `" + value.asString() + "`");
			}
		});
		assertThat(wrong).isEmpty();
	}

	@Test
	void everyHintedValueIsExplained() {
		for (JsonNode hint : metadata.path("hints")) {
			for (JsonNode value : hint.path("values")) {
				assertThat(doc).as("value %s of %s", value.get("value").asString(), hint.get("name").asString())
					.contains("`" + value.get("value").asString() + "`");
			}
		}
	}

	private static String kebab(String camel) {
		return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
	}

	/** The metadata of this module: the one holding {@code nearcache.enabled}. */
	private static JsonNode nearcacheMetadata() throws IOException {
		JsonMapper mapper = JsonMapper.builder().build();
		Enumeration<URL> resources = ConfigurationDocsTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json");
		while (resources.hasMoreElements()) {
			try (InputStream in = resources.nextElement().openStream()) {
				JsonNode root = mapper.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
				for (JsonNode property : root.path("properties")) {
					if (property.get("name").asString().equals("nearcache.enabled")) {
						return root;
					}
				}
			}
		}
		throw new IllegalStateException("No spring-configuration-metadata.json with nearcache.enabled on the classpath");
	}

}
