package dev.kairos.agent;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One real embedded memory graph (Neo4j through the driver, the in-process MiniLM embedder) shared by
 * the agent's test classes that take a {@link MemoryGraph} parameter, as memory-graph's own tests
 * share theirs: a Neo4j start costs seconds. JUnit closes it and deletes its directory at the end.
 * Tests keep apart by their own sessions, users and groups.
 */
public final class AgentGraph implements ParameterResolver {

    private record Resource(MemoryGraph graph, Path dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            graph.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == MemoryGraph.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return e.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(AgentGraph.class, k -> open(), Resource.class).graph();
    }

    private static Resource open() {
        try {
            Path dir = Files.createTempDirectory("kairos-agent-graph");
            MemoryGraph g = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(3)));
            MemoryStatus s = g.awaitReady(Duration.ofMinutes(3));
            if (!s.isReady()) {
                g.close();
                throw new IllegalStateException("memory graph did not start: " + s.describe());
            }
            return new Resource(g, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
