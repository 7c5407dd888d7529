/**
 * The temporal knowledge-graph memory on Neo4j: episodes, entities and bi-temporal facts, hybrid search, all behind
 * {@link dev.kairos.memory.MemoryGraph}.
 *
 * <pre>{@code
 * try (MemoryGraph memory = MemoryGraph.open(MemorySettings.defaults().withDataDir(Path.of("data")))) {
 *     memory.addEpisode(NewEpisode.text("team", "standup", "Dana moved the launch to Friday."));
 *     memory.addFact(NewFact.triplet("team", "Dana", "OWNS", "Dana owns the launch", "Launch"));
 *     SearchResults found = memory.search(SearchQuery.of("who owns the launch?"));
 * }
 * }</pre>
 *
 * <p>This package is the module's whole API; {@code dev.kairos.memory.internal} is not for other modules (the module
 * rules in docs/development.md are checked by a test).
 */
package dev.kairos.memory;
