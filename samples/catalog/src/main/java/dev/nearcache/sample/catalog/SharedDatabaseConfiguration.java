package dev.nearcache.sample.catalog;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.h2.api.ErrorCode;
import org.h2.tools.Server;

import org.springframework.boot.autoconfigure.AbstractDependsOnBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * One database for every instance on this machine, with nothing to install: an in-memory H2 database served over
 * TCP by the first instance that starts.
 * <p>
 * Active while {@code spring.datasource.url} is an H2 TCP URL on {@code localhost}, as {@code application.yml} sets
 * it by default ({@code jdbc:h2:tcp://localhost:${CATALOG_DB_PORT:9292}/mem:catalog;DB_CLOSE_DELAY=-1}). Before the
 * data source is created, the instance tries to open an H2 TCP server on that port: the first instance gets it and
 * hosts the database in its own JVM; every later one finds the port taken and simply connects. The database lives
 * as long as the hosting instance: stop that one last. With any other URL (PostgreSQL, a file database) this
 * configuration does nothing.
 * <p>
 * Two instances with a private in-memory database each could not show coherence: each would only ever read its
 * own writes. The server accepts connections from this machine only.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.startsWith('jdbc:h2:tcp://localhost:')")
class SharedDatabaseConfiguration {

	static final String SERVER_BEAN_NAME = "catalogDatabaseServer";

	@Bean(name = SERVER_BEAN_NAME, destroyMethod = "close")
	static SharedDatabase catalogDatabaseServer(Environment environment) {
		return SharedDatabase.hostOrJoin(environment.getRequiredProperty("spring.datasource.url"));
	}

	@Bean
	static DataSourceDependsOnSharedDatabase dataSourceDependsOnSharedDatabase() {
		return new DataSourceDependsOnSharedDatabase();
	}

	/**
	 * The H2 TCP server this instance hosts, or nothing if another instance hosts it.
	 */
	static final class SharedDatabase implements AutoCloseable {

		private static final Log logger = LogFactory.getLog(SharedDatabase.class);

		private static final Pattern TCP_URL = Pattern.compile("^jdbc:h2:tcp://localhost:(\\d+)/.*");

		private final int port;

		private final Server server;

		private SharedDatabase(int port, Server server) {
			this.port = port;
			this.server = server;
		}

		static SharedDatabase hostOrJoin(String url) {
			Matcher matcher = TCP_URL.matcher(url);
			if (!matcher.matches()) {
				throw new IllegalStateException("Expected jdbc:h2:tcp://localhost:<port>/..., got " + url);
			}
			int port = Integer.parseInt(matcher.group(1));
			try {
				// -ifNotExists: the in-memory database is created by whoever connects first, this instance included.
				Server server = Server.createTcpServer("-tcpPort", String.valueOf(port), "-ifNotExists").start();
				logger.info("Hosting the catalog database (H2 over TCP, port " + port
						+ "); other instances on this machine connect to it. Stop this instance last.");
				return new SharedDatabase(port, server);
			}
			catch (SQLException ex) {
				if (ex.getErrorCode() != ErrorCode.EXCEPTION_OPENING_PORT_2) {
					throw new IllegalStateException("Could not start the H2 TCP server on port " + port, ex);
				}
				logger.info("Port " + port + " is taken: joining the catalog database another instance hosts there");
				return new SharedDatabase(port, null);
			}
		}

		boolean hosting() {
			return this.server != null;
		}

		int port() {
			return this.port;
		}

		@Override
		public void close() {
			if (this.server != null) {
				this.server.stop();
			}
		}

	}

	/**
	 * Makes every {@link DataSource} wait for the server: the pool connects as soon as it is created.
	 */
	static final class DataSourceDependsOnSharedDatabase extends AbstractDependsOnBeanFactoryPostProcessor {

		DataSourceDependsOnSharedDatabase() {
			super(DataSource.class, SERVER_BEAN_NAME);
		}

	}

}
