package dev.nearcache.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.nearcache.invalidation.PubSubMode;

/**
 * Matches when {@code nearcache.redis.pubsub} resolves to the transport a configuration class wires: 'auto' is
 * sharded when {@code spring.data.redis.cluster.nodes} is set. Resolved from configuration only, so that the
 * choice never depends on whether Redis answers at startup.
 */
abstract class PubSubModeCondition extends SpringBootCondition {

	private final boolean sharded;

	PubSubModeCondition(boolean sharded) {
		this.sharded = sharded;
	}

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		Binder binder = Binder.get(context.getEnvironment());
		PubSubMode mode = binder.bind("nearcache.redis.pubsub", PubSubMode.class).orElse(PubSubMode.CLASSIC);
		boolean cluster = binder.bind("spring.data.redis.cluster.nodes", String[].class)
			.map((nodes) -> nodes.length > 0)
			.orElse(false);
		boolean resolvedSharded = mode == PubSubMode.SHARDED || (mode == PubSubMode.AUTO && cluster);
		String description = "nearcache.redis.pubsub=" + mode.name().toLowerCase() + (mode == PubSubMode.AUTO
				? (cluster ? " on a cluster configuration" : " without spring.data.redis.cluster.nodes") : "");
		return (resolvedSharded == this.sharded) ? ConditionOutcome.match(description)
				: ConditionOutcome.noMatch(description);
	}

	/** Classic pub/sub. */
	static final class Classic extends PubSubModeCondition {

		Classic() {
			super(false);
		}

	}

	/** Sharded pub/sub. */
	static final class Sharded extends PubSubModeCondition {

		Sharded() {
			super(true);
		}

	}

}
