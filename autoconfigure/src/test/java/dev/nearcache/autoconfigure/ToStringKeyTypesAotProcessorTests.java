package dev.nearcache.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.javapoet.ClassName;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ToStringKeyTypesAotProcessor}.
 */
class ToStringKeyTypesAotProcessorTests {

	@Test
	void typesNamedInTheBuildConfigurationAreRegistered() {
		RuntimeHints hints = process(new MockEnvironment().withProperty("nearcache.keys.to-string-types",
				ProductKey.class.getName() + "," + RegionKey.class.getName()));
		assertThat(RuntimeHintsPredicates.reflection().onType(ProductKey.class)).accepts(hints);
		assertThat(RuntimeHintsPredicates.reflection().onType(RegionKey.class)).accepts(hints);
	}

	@Test
	void noContributionWithoutToStringTypes() {
		assertThat(contribution(new MockEnvironment())).isNull();
	}

	@Test
	void unknownNamesAreLeftToTheStartupCheck() {
		RuntimeHints hints = process(new MockEnvironment().withProperty("nearcache.keys.to-string-types",
				"com.nope.Missing," + ProductKey.class.getName()));
		assertThat(RuntimeHintsPredicates.reflection().onType(ProductKey.class)).accepts(hints);
		assertThat(contribution(new MockEnvironment().withProperty("nearcache.keys.to-string-types",
				"com.nope.Missing"))).isNull();
	}

	@Test
	void registeredInAotFactories() {
		assertThat(SpringFactoriesLoader.forResourceLocation("META-INF/spring/aot.factories")
			.load(BeanFactoryInitializationAotProcessor.class)).hasAtLeastOneElementOfType(ToStringKeyTypesAotProcessor.class);
	}

	private static RuntimeHints process(MockEnvironment environment) {
		BeanFactoryInitializationAotContribution contribution = contribution(environment);
		assertThat(contribution).isNotNull();
		DefaultGenerationContext generationContext = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get(ToStringKeyTypesAotProcessorTests.class)),
				new InMemoryGeneratedFiles());
		contribution.applyTo(generationContext, null);
		return generationContext.getRuntimeHints();
	}

	private static BeanFactoryInitializationAotContribution contribution(MockEnvironment environment) {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerSingleton("environment", environment);
		return new ToStringKeyTypesAotProcessor().processAheadOfTime(beanFactory);
	}

	record ProductKey(long id, String region) {
	}

	record RegionKey(String region) {
	}

}
