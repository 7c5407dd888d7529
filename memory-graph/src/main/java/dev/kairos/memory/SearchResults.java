package dev.kairos.memory;

import java.util.List;

/** Search results per scope, best first. */
public record SearchResults(List<Hit<Fact>> facts, List<Hit<Entity>> entities, List<Hit<Episode>> episodes) {

    public static final SearchResults EMPTY = new SearchResults(List.of(), List.of(), List.of());

    public List<Fact> factList() {
        return facts.stream().map(Hit::value).toList();
    }

    public List<Entity> entityList() {
        return entities.stream().map(Hit::value).toList();
    }

    public List<Episode> episodeList() {
        return episodes.stream().map(Hit::value).toList();
    }
}
