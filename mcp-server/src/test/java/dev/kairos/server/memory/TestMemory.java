package dev.kairos.server.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real embedded memory graph in a temporary directory, one per test class. */
final class TestMemory {
    private TestMemory() {
    }

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
