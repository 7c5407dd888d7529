package dev.kairos.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.exceptions.Neo4jException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** The embedded store's Bolt port admits only the store's generated password, also for a store made with auth off. */
class BoltAuthTest {
    @TempDir
    Path dir;

    /** A tiny real embedder: enough for the schema, no model to load. */
    static final class Hashing implements Embedder {
        @Override
        public float[] embed(String text) {
            float[] v = new float[8];
            for (char c : text.toCharArray()) v[c % 8] += 1;
            return v;
        }

        @Override
        public String name() {
            return "hashing-8";
        }

        @Override
        public int dimension() {
            return 8;
        }
    }

    @Test
    void noAuthAndAWrongPasswordAreRefusedTheStoredOneIsAdmitted() throws Exception {
        try (MemoryGraph g = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir), new Hashing())) {
            MemoryStatus.Ready r = assertInstanceOf(MemoryStatus.Ready.class, g.awaitReady(Duration.ofMinutes(3)));
            assertFalse(r.describe().contains(r.boltUri()), "the plain description leaves the address out: " + r.describe());
            assertTrue(r.describe(true).contains(r.boltUri()));
            Path file = dir.resolve("neo4j/kairos-bolt-password");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            String password = Files.readString(file).strip();
            assertTrue(password.length() >= 24, "a long random password");

            assertRefused(r.boltUri(), AuthTokens.none());
            assertRefused(r.boltUri(), AuthTokens.basic("neo4j", "neo4j"));
            assertRefused(r.boltUri(), AuthTokens.basic("neo4j", password + "x"));
            try (Driver d = GraphDatabase.driver(r.boltUri(), AuthTokens.basic("neo4j", password))) {
                d.verifyConnectivity();
            }
        }
        // A restart keeps the password (other processes may have read it) and still refuses no auth.
        String before = Files.readString(dir.resolve("neo4j/kairos-bolt-password"));
        try (MemoryGraph g = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir), new Hashing())) {
            MemoryStatus.Ready r = assertInstanceOf(MemoryStatus.Ready.class, g.awaitReady(Duration.ofMinutes(3)));
            assertEquals(before, Files.readString(dir.resolve("neo4j/kairos-bolt-password")));
            assertRefused(r.boltUri(), AuthTokens.none());
        }
    }

    @Test
    void aStoreMadeWithAuthOffOpensAndGetsAPassword() throws Exception {
        Path home = dir.resolve("neo4j");
        // What earlier Kairos versions did: auth off.
        DatabaseManagementService old = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .build();
        old.database("neo4j").executeTransactionally("CREATE (:Marker {note: 'from before'})");
        old.shutdown();

        try (MemoryGraph g = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir), new Hashing())) {
            MemoryStatus.Ready r = assertInstanceOf(MemoryStatus.Ready.class, g.awaitReady(Duration.ofMinutes(3)));
            assertRefused(r.boltUri(), AuthTokens.none());
            String password = Files.readString(home.resolve("kairos-bolt-password")).strip();
            try (Driver d = GraphDatabase.driver(r.boltUri(), AuthTokens.basic("neo4j", password))) {
                assertEquals("from before", d.executableQuery("MATCH (m:Marker) RETURN m.note AS note").execute()
                        .records().get(0).get("note").asString());
            }
        }
    }

    private static void assertRefused(String uri, AuthToken token) {
        try (Driver d = GraphDatabase.driver(uri, token)) {
            Neo4jException e = assertThrows(Neo4jException.class, d::verifyConnectivity);
            assertTrue(e.code().startsWith("Neo.ClientError.Security."), e.code() + ": " + e.getMessage());
        }
    }
}
