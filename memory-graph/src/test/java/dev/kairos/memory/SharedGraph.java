package dev.kairos.memory;

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
 * Injects one real embedded memory graph shared by the test classes that use it (a Neo4j start costs seconds);
 * JUnit closes it, and deletes its temp dir, when the run ends. Tests keep apart by using their own group ids.
 */
public final class SharedGraph implements ParameterResolver {

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
                .getOrComputeIfAbsent(SharedGraph.class, k -> open(), Resource.class).graph();
    }

    private static Resource open() {
        try {
            Path dir = Files.createTempDirectory("kairos-memory-test");
            MemoryGraph g = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir).withReadyTimeout(Duration.ofMinutes(3)));
            MemoryStatus s = g.awaitReady(Duration.ofMinutes(3));
            if (!s.isReady()) throw new IllegalStateException("memory graph did not start: " + s.describe());
            return new Resource(g, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
