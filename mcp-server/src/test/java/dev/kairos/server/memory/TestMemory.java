package dev.kairos.server.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real embedded memory graph in a temporary directory, one per test class:
 * {@code @RegisterExtension static final TestMemory memory = new TestMemory();}, then {@code memory.graph()}.
 * It is open before the class's {@code @BeforeAll} methods run and closed after its {@code @AfterAll} methods.
 */
final class TestMemory implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private MemoryGraph graph;

    MemoryGraph graph() {
        return graph;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("kairos-memory-test");
        graph = open(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (graph != null) {
            graph.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Opens a graph on {@code dir} and waits (bounded) until it is ready. */
    static MemoryGraph open(Path dir) {
        MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults()
                .withDataDir(dir)
                .withDefaultGroup("default")
                .withReadyTimeout(Duration.ofMinutes(2)));
        MemoryStatus status = graph.awaitReady(Duration.ofMinutes(3));
        assertTrue(status.isReady(), "memory graph did not start: " + status.describe());
        return graph;
    }
}
