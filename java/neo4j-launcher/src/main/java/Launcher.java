import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs an embedded Neo4j Community DBMS with Bolt on one address and auth off, for tests
 * and local development (started by scripts/services).
 *
 * <p>Usage: {@code Launcher <home-dir> <host> <bolt-port> [<pagecache-mb>]}. Prints one
 * line starting with {@code twinweave-neo4j: ready} once {@code RETURN 1} has run; stops
 * cleanly on SIGTERM or SIGINT.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: Launcher <home-dir> <host> <bolt-port> [<pagecache-mb>]");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    long pagecacheMb = args.length == 4 ? Long.parseLong(args[3]) : 128L;

    DatabaseManagementService dbms =
        new DatabaseManagementServiceBuilder(home)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
            .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
            .setConfig(GraphDatabaseSettings.auth_enabled, false)
            .setConfig(GraphDatabaseSettings.pagecache_memory, pagecacheMb * 1024L * 1024L)
            .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
            .build();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("twinweave-neo4j: shutting down");
                  dbms.shutdown();
                  stopped.countDown();
                },
                "twinweave-neo4j-shutdown"));

    GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    db.executeTransactionally("RETURN 1");
    System.out.println("twinweave-neo4j: ready, bolt on " + host + ":" + port + ", home " + home);
    System.out.flush();
    stopped.await();
  }
}
