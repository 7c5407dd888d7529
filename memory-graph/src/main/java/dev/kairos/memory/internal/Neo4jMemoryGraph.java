package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;

/** Neo4j-backed implementation (in progress). */
public final class Neo4jMemoryGraph {
    private Neo4jMemoryGraph() {}

    public static MemoryGraph start(MemorySettings settings, Embedder embedder) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
