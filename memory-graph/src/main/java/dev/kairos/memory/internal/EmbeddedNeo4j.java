package dev.kairos.memory.internal;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.api.impl.index.LuceneSettings;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Neo4j in this JVM with Bolt on a loopback ephemeral port, auth on, no HTTP; the driver connects to it like any
 * server, as user {@code neo4j} with the store's {@link BoltPassword}.
 *
 * <p>A store without a password file (a new one, or one made by a Kairos that ran Neo4j with auth off) is first
 * opened with Bolt closed, so no client can reach it while user {@code neo4j} still has Neo4j's default password;
 * the password is set there, the file written, and only then is the store opened with Bolt. That costs one extra
 * start and stop, once per store.
 */
final class EmbeddedNeo4j implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedNeo4j.class);
    private static final int VECTOR_MERGE_FACTOR = 10;

    private final DatabaseManagementService dbms;
    private final String boltUri;
    private final String password;
    private final Path home;

    private EmbeddedNeo4j(DatabaseManagementService dbms, String boltUri, String password, Path home) {
        this.dbms = dbms;
        this.boltUri = boltUri;
        this.password = password;
        this.home = home;
    }

    static EmbeddedNeo4j start(Path home, String database, String pageCache) throws IOException {
        long t0 = System.nanoTime();
        Optional<String> stored = BoltPassword.read(home);
        String password;
        if (stored.isPresent()) {
            password = stored.get();
        } else {
            password = BoltPassword.generate();
            DatabaseManagementService closed = builder(home, database, pageCache, false).build();
            try {
                setPassword(closed, password);
            } finally {
                closed.shutdown();
            }
            BoltPassword.store(home, password);
            log.info("embedded Neo4j: Bolt password set and kept in {} (owner read/write only)", home.resolve(BoltPassword.FILE));
        }
        DatabaseManagementService dbms = builder(home, database, pageCache, true).build();
        try {
            GraphDatabaseAPI system = (GraphDatabaseAPI) dbms.database("system");
            var port = system.getDependencyResolver().resolveDependency(ConnectorPortRegister.class)
                    .getLocalAddress(ConnectorType.BOLT);
            String uri = "bolt://127.0.0.1:" + port.getPort();
            log.info("embedded Neo4j started in {} ms at {} (home {})", (System.nanoTime() - t0) / 1_000_000, uri, home);
            return new EmbeddedNeo4j(dbms, uri, password, home);
        } catch (RuntimeException e) {
            dbms.shutdown();
            throw e;
        }
    }

    /** Sets the password through the embedded API, which needs no login (Bolt is closed when this runs). */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        var system = dbms.database("system");
        try {
            system.executeTransactionally("ALTER USER " + BoltPassword.USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("does not exist")) throw e;
            system.executeTransactionally("CREATE USER " + BoltPassword.USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        }
    }

    private static DatabaseManagementServiceBuilder builder(Path home, String database, String pageCache, boolean bolt) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, bolt)
                // Loopback only, and behind the password: other local users cannot read the memory either.
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, bytes(pageCache))
                // Only takes effect when the store is created; afterwards the name must match (checked on connect).
                .setConfig(GraphDatabaseSettings.initial_default_database, database)
                // Without this Bolt's Netty waits 2 x 5 s on shutdown.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                // Neo4j merges vector index segments only 50 at a time; every kNN query searches each segment's HNSW
                // graph, so after a bulk insert search was 2-3x slower until a restart. 10 keeps few segments (the
                // merges run in the background; measured in docs/benchmarks.md, "Memory graph").
                .setConfig(LuceneSettings.vector_standard_merge_factor, VECTOR_MERGE_FACTOR);
    }

    String boltUri() {
        return boltUri;
    }

    String password() {
        return password;
    }

    boolean hasDatabase(String name) {
        return dbms.listDatabases().contains(name);
    }

    @Override
    public void close() {
        long t0 = System.nanoTime();
        SharedStore.withdraw(home); // other Kairos processes must not follow an address about to close
        dbms.shutdown();
        log.info("embedded Neo4j stopped in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    private static long bytes(String size) {
        String s = size.toLowerCase(Locale.ROOT);
        long n = Long.parseLong(s.replaceAll("[kmg]$", ""));
        return switch (s.charAt(s.length() - 1)) {
            case 'k' -> ByteUnit.kibiBytes(n);
            case 'm' -> ByteUnit.mebiBytes(n);
            case 'g' -> ByteUnit.gibiBytes(n);
            default -> n;
        };
    }
}
