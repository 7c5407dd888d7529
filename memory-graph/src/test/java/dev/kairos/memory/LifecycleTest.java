package dev.kairos.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Start in the background, bounded waits, restart persistence, external mode over Bolt with a database name,
 * a refused embedder change, and a clean shutdown.
 */
class LifecycleTest {
    @TempDir
    Path dir;

    /** A real (tiny) embedder that holds start-up at the schema step until the test lets it go. */
    static final class GatedEmbedder implements Embedder {
        final CountDownLatch open = new CountDownLatch(1);

        @Override
        public float[] embed(String text) {
            float[] v = new float[8];
            for (char c : text.toCharArray()) v[c % 8] += 1;
            return v;
        }

        @Override
        public String name() {
            try {
                if (!open.await(2, TimeUnit.MINUTES)) throw new IllegalStateException("gate never opened");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "hashing-8";
        }

        @Override
        public int dimension() {
            return 8;
        }
    }

    @Test
    void writeStopStartReadThenExternalClientThenEmbedderChangeIsRefused() throws Exception {
        MemorySettings settings = MemorySettings.defaults().withDataDir(dir).withDatabase("memorytest");
        String factUuid;
        String boltUri;
        try (MemoryGraph g = MemoryGraph.open(settings)) {
            assertInstanceOf(MemoryStatus.Starting.class, g.status(), "open returns before Neo4j is up");
            MemoryStatus ready = g.awaitReady(Duration.ofMinutes(3));
            MemoryStatus.Ready r = assertInstanceOf(MemoryStatus.Ready.class, ready, ready.describe());
            assertEquals("memorytest", r.database());
            assertEquals(384, r.dimension());
            Episode e = g.addEpisode(NewEpisode.text("life", "note", "Mia moved to Berlin in May."));
            factUuid = g.addFact(NewFact.triplet("life", "Mia", "LIVES_IN", "Mia lives in Berlin", "Berlin")
                    .fromEpisodes(List.of(e.uuid()))).uuid();
            boltUri = r.boltUri();
        }
        assertPortClosed(URI.create(boltUri));

        try (MemoryGraph again = MemoryGraph.open(settings)) {
            Fact f = again.fact(factUuid).orElseThrow();
            assertEquals("Mia lives in Berlin", f.fact());
            assertEquals(1, again.episodes(List.of("life"), 10).size());
            assertEquals("Mia lives in Berlin", again.search(SearchQuery.of("Where does Mia live?").inGroups(List.of("life")))
                    .facts().get(0).value().fact());
            MemoryStatus.Ready r = (MemoryStatus.Ready) again.status();

            // External mode: the driver over bolt:// to that server, honouring the database name.
            String password = java.nio.file.Files.readString(dir.resolve("neo4j/kairos-bolt-password")).strip();
            MemorySettings ext = MemorySettings.external(URI.create(r.boltUri()), "neo4j", password, "memorytest").withDataDir(dir);
            try (MemoryGraph client = MemoryGraph.open(ext, again.embedder())) {
                assertEquals(MemorySettings.Mode.EXTERNAL, ((MemoryStatus.Ready) client.awaitReady(Duration.ofMinutes(1))).mode());
                assertEquals("Mia lives in Berlin", client.fact(factUuid).orElseThrow().fact());
                client.addFact(NewFact.triplet("life", "Mia", "SPEAKS", "Mia speaks German", "German"));
            }
            assertEquals(2, again.stats(List.of("life")).facts(), "the external client wrote to the same database");
            MemorySettings wrongDb = MemorySettings.external(URI.create(r.boltUri()), "neo4j", password, "otherdb").withDataDir(dir);
            try (MemoryGraph client = MemoryGraph.open(wrongDb, again.embedder())) {
                MemoryStatus s = client.awaitReady(Duration.ofMinutes(1));
                assertInstanceOf(MemoryStatus.Failed.class, s);
                assertTrue(s.describe().contains("otherdb"), s.describe());
                var err = assertThrows(MemoryNotReadyException.class, () -> client.stats(null));
                assertTrue(err.getMessage().startsWith("memory failed to start"), err.getMessage());
            }
        }

        GatedEmbedder gated = new GatedEmbedder();
        try (MemoryGraph g = MemoryGraph.open(settings.withReadyTimeout(Duration.ofMillis(300)), gated)) {
            var err = assertThrows(MemoryNotReadyException.class, () -> g.stats(List.of("life")));
            assertTrue(err.getMessage().startsWith("memory is still starting ("), err.getMessage());
            assertInstanceOf(MemoryStatus.Starting.class, err.status());
            gated.open.countDown();
            MemoryStatus s = g.awaitReady(Duration.ofMinutes(2));
            MemoryStatus.Failed failed = assertInstanceOf(MemoryStatus.Failed.class, s);
            assertTrue(failed.reason().contains("all-minilm-l6-v2-q") && failed.reason().contains("hashing-8"), failed.reason());
        }
    }

    static void assertPortClosed(URI bolt) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(bolt.getHost(), bolt.getPort()), 2000);
            fail("Bolt port still open after close: " + bolt);
        } catch (ConnectException expected) {
            // closed, as it should be
        } catch (java.io.IOException other) {
            fail("unexpected " + other);
        }
    }
}
