package dev.nearcache.invalidation;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input on the channel: every body a Redis publisher can send goes through the decoder and the applier of
 * real caches, and must keep the {@link ReceivedMessageProperties properties}.
 * <p>
 * The seed corpus is {@code ReceivedMessageFuzzTestsInputs/receive/} in the test resources, one file per input.
 * In the normal test run {@link #receive} replays the corpus and {@link #mutatedSeedsKeepTheProperties} checks a
 * few seconds' worth of mutants of it. {@code ./mvnw -pl autoconfigure test -Pfuzz} fuzzes {@link #receive} with
 * Jazzer, coverage-guided; an input that breaks a property is written next to the seeds, where it stays as a
 * regression test.
 */
class ReceivedMessageFuzzTests {

	private static final String CORPUS = "ReceivedMessageFuzzTestsInputs/receive";

	private static final long MUTATION_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(6);

	private static final int MIN_MUTANTS = 1000;

	private static final ReceivedMessageProperties properties = new ReceivedMessageProperties();

	@FuzzTest
	void receive(byte[] body) {
		properties.check(body);
	}

	@Test
	void mutatedSeedsKeepTheProperties() throws Exception {
		List<byte[]> seeds = seeds();
		assertThat(seeds).hasSizeGreaterThanOrEqualTo(20);
		Random random = new Random(9);
		long deadline = System.nanoTime() + MUTATION_BUDGET_NANOS;
		int mutants = 0;
		// At least MIN_MUTANTS whatever the machine's load (a count, not a speed), more while the budget lasts.
		while (mutants < MIN_MUTANTS || (mutants < 200_000 && System.nanoTime() - deadline < 0)) {
			properties.check(mutate(seeds, random));
			mutants++;
		}
		assertThat(mutants).isGreaterThanOrEqualTo(MIN_MUTANTS);
		System.out.println("ReceivedMessageFuzzTests: " + mutants + " mutants of " + seeds.size() + " seeds checked");
	}

	@AfterAll
	static void report() {
		InvalidationStatistics statistics = properties.statistics();
		System.out.println("ReceivedMessageFuzzTests: " + properties.inputs() + " inputs; applied "
				+ statistics.applied() + ", own echo " + statistics.selfSkipped() + ", heartbeats "
				+ statistics.heartbeatsReceived() + ", coalesced clears " + statistics.coalescedClears() + ", dropped "
				+ statistics.droppedByReason() + "; worst decode allocation " + properties.worstAllocated()
				+ " bytes, worst " + String.format("%.1f", properties.worstBytesPerInputByte())
				+ " bytes per input byte (inputs of 1 KiB or more)");
		properties.close();
	}

	static List<byte[]> seeds() throws IOException, URISyntaxException {
		Path directory = Path.of(ReceivedMessageFuzzTests.class.getResource(CORPUS).toURI());
		List<byte[]> seeds = new ArrayList<>();
		try (Stream<Path> files = Files.list(directory)) {
			for (Path file : files.sorted().toList()) {
				seeds.add(Files.readAllBytes(file));
			}
		}
		return seeds;
	}

	private static final byte[] INTERESTING = { '"', '{', '}', '[', ']', ',', ':', '\\', '0', '1', '-', 'e', '.',
			'n', 't', 'u', ' ', 0, (byte) 0x80, (byte) 0xC0, (byte) 0xC3, (byte) 0xED, (byte) 0xF0, (byte) 0xFF };

	/** Byte-level mutations of a seed, several at a time: enough to leave the happy path in every direction. */
	static byte[] mutate(List<byte[]> seeds, Random random) {
		byte[] input = seeds.get(random.nextInt(seeds.size())).clone();
		int rounds = 1 + random.nextInt(4);
		for (int round = 0; round < rounds; round++) {
			int length = input.length;
			int at = (length > 0) ? random.nextInt(length) : 0;
			input = switch (random.nextInt(8)) {
				case 0 -> {
					if (length > 0) {
						input[at] ^= (byte) (1 << random.nextInt(8));
					}
					yield input;
				}
				case 1 -> {
					if (length > 0) {
						input[at] = INTERESTING[random.nextInt(INTERESTING.length)];
					}
					yield input;
				}
				case 2 -> insert(input, at, new byte[] { INTERESTING[random.nextInt(INTERESTING.length)] });
				case 3 -> Arrays.copyOf(input, (length > 0) ? random.nextInt(length) : 0);
				case 4 -> {
					int end = Math.min(length, at + 1 + random.nextInt(16));
					byte[] shorter = new byte[length - (end - at)];
					System.arraycopy(input, 0, shorter, 0, at);
					System.arraycopy(input, end, shorter, at, length - end);
					yield shorter;
				}
				case 5 -> {
					int end = Math.min(length, at + 1 + random.nextInt(32));
					byte[] chunk = Arrays.copyOfRange(input, at, end);
					int copies = 1 + random.nextInt(64);
					byte[] repeated = input;
					for (int i = 0; i < copies && repeated.length < 2 * ReceivedMessageProperties.MAX_MESSAGE_SIZE; i++) {
						repeated = insert(repeated, end, chunk);
					}
					yield repeated;
				}
				case 6 -> {
					byte[] other = seeds.get(random.nextInt(seeds.size()));
					int from = (other.length > 0) ? random.nextInt(other.length) : 0;
					byte[] spliced = Arrays.copyOf(input, at + other.length - from);
					System.arraycopy(other, from, spliced, at, other.length - from);
					yield spliced;
				}
				default -> {
					byte[] other = seeds.get(random.nextInt(seeds.size()));
					int from = (other.length > 0) ? random.nextInt(other.length) : 0;
					int end = Math.min(other.length, from + random.nextInt(24));
					yield insert(input, at, Arrays.copyOfRange(other, from, end));
				}
			};
		}
		return input;
	}

	private static byte[] insert(byte[] input, int at, byte[] bytes) {
		byte[] longer = new byte[input.length + bytes.length];
		System.arraycopy(input, 0, longer, 0, at);
		System.arraycopy(bytes, 0, longer, at, bytes.length);
		System.arraycopy(input, at, longer, at + bytes.length, input.length - at);
		return longer;
	}

}
