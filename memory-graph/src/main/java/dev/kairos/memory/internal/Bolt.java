package dev.kairos.memory.internal;

import dev.kairos.memory.MemoryStoreException;
import org.neo4j.driver.AccessMode;
import org.neo4j.driver.Driver;
import org.neo4j.driver.NotificationSeverity;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.exceptions.Neo4jException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every query of the memory graph goes through here: the official driver, the configured database, a bounded
 * transaction timeout, and the shared bookmark manager so that a read sees the previous write (also on clusters).
 */
final class Bolt {
    private final Driver driver;
    private final String database;
    private final TransactionConfig txConfig;

    Bolt(Driver driver, String database, Duration txTimeout) {
        this.driver = driver;
        this.database = database;
        this.txConfig = TransactionConfig.builder().withTimeout(txTimeout).build();
    }

    String database() {
        return database;
    }

    private Session session(AccessMode mode) {
        return driver.session(SessionConfig.builder()
                .withDatabase(database)
                .withDefaultAccessMode(mode)
                .withBookmarkManager(driver.executableQueryBookmarkManager())
                // Deprecation and performance hints are noise for end users; warnings still come through.
                .withMinimumNotificationSeverity(NotificationSeverity.WARNING)
                .build());
    }

    List<Record> read(String cypher, Map<String, Object> params) {
        return inRead(tx -> tx.run(cypher, params).list());
    }

    List<Record> write(String cypher, Map<String, Object> params) {
        return inWrite(tx -> tx.run(cypher, params).list());
    }

    <T> T inRead(Function<TransactionContext, T> work) {
        try (Session s = session(AccessMode.READ)) {
            return s.executeRead(work::apply, txConfig);
        } catch (Neo4jException e) {
            throw storeError(e);
        }
    }

    <T> T inWrite(Function<TransactionContext, T> work) {
        try (Session s = session(AccessMode.WRITE)) {
            return s.executeWrite(work::apply, txConfig);
        } catch (Neo4jException e) {
            throw storeError(e);
        }
    }

    /** Auto-commit, for schema changes and {@code CALL { … } IN TRANSACTIONS}, which cannot run in a managed transaction. */
    List<Record> autoCommit(String cypher, Map<String, Object> params) {
        try (Session s = session(AccessMode.WRITE)) {
            return s.run(cypher, params, txConfig).list();
        } catch (Neo4jException e) {
            throw storeError(e);
        }
    }

    private MemoryStoreException storeError(Neo4jException e) {
        return new MemoryStoreException("Neo4j (database " + database + ") failed: " + e.code() + ": " + e.getMessage(), e);
    }
}
