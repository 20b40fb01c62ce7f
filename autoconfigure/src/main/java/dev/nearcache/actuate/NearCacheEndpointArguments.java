package dev.nearcache.actuate;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameter;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;

/**
 * Refuses a {@code nearcache} write or delete request that carries anything but the operation's own fields, and a
 * boolean field given as anything but {@code true} or {@code false}.
 * <p>
 * Actuator binds a request body to the operation's named parameters and drops the rest, and converts
 * {@code "yes"}, {@code "on"} or {@code 1} to {@code true}: a misspelled {@code "scop":"local"} would silently
 * evict on every instance, a typo'd flag would clear a cache. Evictions are operations on the whole fleet, so
 * input is taken exactly as documented or not at all (400, naming the field and the accepted ones). Read
 * operations are left alone: they change nothing.
 */
public class NearCacheEndpointArguments implements OperationInvokerAdvisor {

	private static final EndpointId ENDPOINT = EndpointId.of("nearcache");

	@Override
	public OperationInvoker apply(EndpointId endpointId, OperationType operationType, OperationParameters parameters,
			OperationInvoker invoker) {
		if (!ENDPOINT.equals(endpointId) || operationType == OperationType.READ) {
			return invoker;
		}
		Set<String> accepted = parameters.stream().map(OperationParameter::getName).collect(Collectors.toSet());
		List<String> fields = parameters.stream()
			.filter((parameter) -> parameter.getAnnotation(Selector.class) == null)
			.map(OperationParameter::getName)
			.toList();
		Set<String> booleans = parameters.stream()
			.filter((parameter) -> parameter.getType() == Boolean.class || parameter.getType() == boolean.class)
			.map(OperationParameter::getName)
			.collect(Collectors.toSet());
		return (context) -> {
			context.getArguments().forEach((name, value) -> {
				if (!accepted.contains(name)) {
					throw invalid("Unknown field \"" + name + "\"; accepted fields: " + describe(fields));
				}
				if (booleans.contains(name) && value != null && !isBoolean(value)) {
					throw invalid("\"" + name + "\" must be true or false, not '" + value + "'");
				}
			});
			return invoker.invoke(context);
		};
	}

	private static boolean isBoolean(Object value) {
		if (value instanceof Boolean) {
			return true;
		}
		String text = value.toString().toLowerCase(Locale.ROOT);
		return (value instanceof String) && (text.equals("true") || text.equals("false"));
	}

	private static String describe(List<String> fields) {
		if (fields.isEmpty()) {
			return "none";
		}
		return fields.stream().map((field) -> "\"" + field + "\"").collect(Collectors.joining(", "))
				+ " (see docs/operations.md)";
	}

	private static InvalidEndpointRequestException invalid(String reason) {
		return new InvalidEndpointRequestException("Invalid nearcache request: " + reason, reason);
	}

}
