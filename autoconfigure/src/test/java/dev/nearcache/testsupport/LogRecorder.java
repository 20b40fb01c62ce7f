package dev.nearcache.testsupport;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Records what one class logs, as {@code "LEVEL message"} lines, independently of where the console goes: in a
 * full test run an earlier Spring Boot application may have bound the console appender to another stream.
 */
public final class LogRecorder implements AutoCloseable {

	private final Logger logger;

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private final Level previousLevel;

	private LogRecorder(Class<?> source) {
		this.logger = (Logger) LoggerFactory.getLogger(source);
		this.previousLevel = this.logger.getLevel();
		this.logger.setLevel(Level.INFO);
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	/**
	 * Start recording what a class logs at INFO and above.
	 * @param source the class whose logger is recorded
	 * @return the recorder, to close after the test
	 */
	public static LogRecorder of(Class<?> source) {
		return new LogRecorder(source);
	}

	/**
	 * Return what was logged so far.
	 * @return one {@code "LEVEL message"} line per event
	 */
	public List<String> lines() {
		return this.appender.list.stream().map((event) -> event.getLevel() + " " + event.getFormattedMessage()).toList();
	}

	@Override
	public void close() {
		this.logger.detachAppender(this.appender);
		this.logger.setLevel(this.previousLevel);
	}

}
