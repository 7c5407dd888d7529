package dev.kairos.server.cli.memory;

import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.Hit;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchResults;
import dev.kairos.server.memory.Shapes;
import dev.kairos.server.memory.Shapes.EntityShape;
import dev.kairos.server.memory.Shapes.EpisodeShape;
import dev.kairos.server.memory.Shapes.FactShape;
import dev.kairos.server.memory.Shapes.Scored;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

@Command(name = "search", description = "Find facts, entities and episodes by meaning and by exact words.")
final class SearchCommand extends GraphCommand {
    @Parameters(arity = "1..*", paramLabel = "QUERY")
    List<String> words;

    @Option(names = "--scope", split = ",", description = "facts, entities, episodes (comma-separated). Default: all.")
    List<String> scopes;

    @Option(names = {"-n", "--limit"}, defaultValue = "10", description = "Results per scope, 1-100. Default: ${DEFAULT-VALUE}.")
    int limit;

    @Option(names = "--as-of", paramLabel = "TIME", description = "Facts true in the world at TIME.")
    String asOf;

    @Option(names = "--belief-as-of", paramLabel = "TIME", description = "What memory believed at TIME.")
    String beliefAsOf;

    @Option(names = "--include-invalidated", description = "Also facts that are no longer true.")
    boolean includeInvalidated;

    @Option(names = {"-g", "--group"}, description = "Group(s) to search. Default: the default group.")
    List<String> groups;

    /** The {@code --json} answer: the hits of each scope in the tools' shapes, each with its score. */
    record Found(List<Scored<FactShape>> facts, List<Scored<EntityShape>> entities, List<Scored<EpisodeShape>> episodes) {
    }

    @Override
    int run(MemoryGraph graph, PrintWriter out) {
        if (limit < 1 || limit > 100) {
            throw new MemoryInputException("--limit", "must be between 1 and 100, was " + limit);
        }
        var query = new SearchQuery(String.join(" ", words), groups(groups, graph), scopes(), limit, null, null,
                MemoryInput.instant("--as-of", asOf), MemoryInput.instant("--belief-as-of", beliefAsOf),
                includeInvalidated, null, null, null, 0);
        SearchResults r = graph.search(query);
        if (json) {
            Instant now = Instant.now();
            printJson(out, new Found(
                    r.facts().stream().map(h -> Shapes.scored(Shapes.fact(h.value(), now), h.score())).toList(),
                    r.entities().stream().map(h -> Shapes.scored(Shapes.entity(h.value()), h.score())).toList(),
                    r.episodes().stream().map(h -> Shapes.scored(Shapes.episode(h.value()), h.score())).toList()));
            return 0;
        }
        for (Hit<Fact> h : r.facts()) {
            out.printf(Locale.ROOT, "fact     %.4f  %s  [%s]  %s%n", h.score(), h.value().fact(), span(h.value()), h.value().uuid());
        }
        for (Hit<Entity> h : r.entities()) {
            out.printf(Locale.ROOT, "entity   %.4f  %s%s  %s%n", h.score(), h.value().name(),
                    h.value().labels().isEmpty() ? "" : " (" + String.join(", ", h.value().labels()) + ")", h.value().uuid());
        }
        for (Hit<Episode> h : r.episodes()) {
            out.printf(Locale.ROOT, "episode  %.4f  %s  %s%n", h.score(), NewEpisode.defaultName(h.value().content()),
                    h.value().uuid());
        }
        if (r.facts().isEmpty() && r.entities().isEmpty() && r.episodes().isEmpty()) {
            out.println("nothing found");
        }
        return 0;
    }

    private EnumSet<SearchQuery.Scope> scopes() {
        if (scopes == null || scopes.isEmpty()) {
            return EnumSet.allOf(SearchQuery.Scope.class);
        }
        var set = EnumSet.noneOf(SearchQuery.Scope.class);
        for (String s : scopes) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "facts", "fact" -> set.add(SearchQuery.Scope.FACTS);
                case "entities", "entity" -> set.add(SearchQuery.Scope.ENTITIES);
                case "episodes", "episode" -> set.add(SearchQuery.Scope.EPISODES);
                default -> throw new MemoryInputException("--scope", "must be facts, entities or episodes, was '" + s + "'");
            }
        }
        return set;
    }
}
