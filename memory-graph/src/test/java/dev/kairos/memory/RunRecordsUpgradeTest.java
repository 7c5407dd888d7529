package dev.kairos.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A store written by the v1 run schema (no owners) is upgraded on first use: its runs go to the local user only. */
class RunRecordsUpgradeTest {
    @TempDir
    Path dir;

    @Test
    void runsStoredBeforeOwnersBelongToTheLocalUserAndNoOtherPrincipal() throws Exception {
        try (MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(3)))) {
            MemoryStatus status = graph.awaitReady(Duration.ofMinutes(3));
            assertTrue(status.isReady(), status.describe());
            String uri = ((MemoryStatus.Ready) status).boltUri();
            String password = Files.readString(dir.resolve("neo4j/kairos-bolt-password")).strip();
            try (Driver d = GraphDatabase.driver(uri, AuthTokens.basic("neo4j", password)); Session s = d.session()) {
                // what Kairos with run schema v1 left behind
                s.run("""
                        CREATE (:AgentRunSchema {id: 'runs', version: 1})
                        CREATE (:AgentSession {name: 'old-session'})-[:HAS_RUN]->(:AgentRun {run_id: 'old-1', session: 'old-session',
                            task: 'an old task', status: 'ANSWERED', steps: 2, checkpoint: '{}', updated_at: datetime(), schema_version: 1})
                        """).consume();
            }
            RunRecords all = graph.runs();
            RunRecords.RunRecord old = all.load("old-1").orElseThrow();
            assertEquals(RunRecords.LOCAL_OWNER, old.owner());
            assertTrue(all.ownedBy("alice").load("old-1").isEmpty(), "a token does not see a run stored before owners");
            assertEquals(List.of(), all.ownedBy("alice").list(10));
            assertTrue(all.ownedBy("alice").latestOfSession("old-session").isEmpty());
            assertEquals("old-1", all.ownedBy(RunRecords.LOCAL_OWNER).latestOfSession("old-session").orElseThrow().runId());
            try (Driver d = GraphDatabase.driver(uri, AuthTokens.basic("neo4j", password)); Session s = d.session()) {
                assertEquals(RunRecords.SCHEMA_VERSION, s.run("MATCH (v:AgentRunSchema {id: 'runs'}) RETURN v.version AS v").single().get("v").asInt());
                assertEquals("local", s.run("MATCH (r:AgentRun {run_id: 'old-1'}) RETURN r.owner AS o").single().get("o").asString(),
                        "the upgrade wrote the owner");
            }
        }
    }
}
