package dev.kairos.memory;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A hybrid search: fulltext, vector kNN and breadth-first expansion, fused by reciprocal rank, with filters.
 *
 * <p>Time filters on facts: by default only what is currently true. {@code asOf} gives the facts true in the world at
 * that time (as we believe now); {@code beliefAsOf} gives what we believed at that time (facts learned by then,
 * ignoring invalidations learned later), about {@code asOf} if set, else about that same time.
 * {@code includeInvalidated} drops the world-time filter.
 *
 * @param text         the query; may be blank only when {@code centreUuid} is set
 * @param groups       group ids to search (empty: the default group)
 * @param scopes       what to return
 * @param limit        results per scope, 1..100
 * @param entityLabels only entities with one of these labels (facts: either endpoint has one)
 * @param factNames    only facts with one of these relation names
 * @param centreUuid   an entity to expand from and to rank by distance to (node-distance rerank)
 * @param rerank       how to order the fused candidates
 * @param methods      the retrieval methods to fuse
 * @param bfsDepth     hops for breadth-first expansion, 1..3
 * @param referenceTime the moment the query is asked, for time expressions in it ("last May", "two weeks ago");
 *                      null: now
 */
public record SearchQuery(String text, List<String> groups, Set<Scope> scopes, int limit,
                          List<String> entityLabels, List<String> factNames,
                          Instant asOf, Instant beliefAsOf, boolean includeInvalidated,
                          String centreUuid, Rerank rerank, Set<Method> methods, int bfsDepth, Instant referenceTime) {

    /** What a search returns. */
    public enum Scope { FACTS, ENTITIES, EPISODES }

    /** How candidates are ordered after retrieval. */
    public enum Rerank { RRF, MMR, NODE_DISTANCE }

    /**
     * Retrieval methods. {@code TIME}: a time expression in the query ("in May 2023", "last month", "two weeks ago")
     * becomes a window of valid time, relative to {@code referenceTime}; the episodes inside it are retrieved again
     * by each other method in use (fulltext, vector) and fused with a heavier vote, and the expression is taken out
     * of the text the methods see. Alone, it returns the window's episodes, newest first. An event instead of a date
     * ("before Alice moved to Lisbon", "after he started as a nurse") is looked up in the memory by its words (the
     * best fulltext match among the episodes, then the facts) and its time becomes the window's edge.
     * {@code ENTITIES}: the entities whose names the query contains (found by the words of the query in the entity
     * names, kept only when the whole name appears in the query) and the episodes that mention them (MENTIONS edges),
     * rarer entities first, then by similarity to the query.
     */
    public enum Method { FULLTEXT, VECTOR, BFS, TIME, ENTITIES }

    public SearchQuery {
        text = text == null ? "" : text;
        groups = groups == null ? List.of() : List.copyOf(groups);
        scopes = scopes == null || scopes.isEmpty() ? EnumSet.allOf(Scope.class) : Set.copyOf(scopes);
        if (limit == 0) limit = 10;
        entityLabels = entityLabels == null ? List.of() : List.copyOf(entityLabels);
        factNames = factNames == null ? List.of() : List.copyOf(factNames);
        if (rerank == null) rerank = centreUuid != null ? Rerank.NODE_DISTANCE : Rerank.RRF;
        methods = methods == null || methods.isEmpty() ? EnumSet.allOf(Method.class) : Set.copyOf(methods);
        if (bfsDepth == 0) bfsDepth = 2;
    }

    /** A query asked now (no reference time). */
    public SearchQuery(String text, List<String> groups, Set<Scope> scopes, int limit,
                       List<String> entityLabels, List<String> factNames,
                       Instant asOf, Instant beliefAsOf, boolean includeInvalidated,
                       String centreUuid, Rerank rerank, Set<Method> methods, int bfsDepth) {
        this(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, null);
    }

    /** A search of everything in the default group for {@code text}, 10 results per scope. */
    public static SearchQuery of(String text) {
        return new SearchQuery(text, null, null, 0, null, null, null, null, false, null, null, null, 0, null);
    }

    public SearchQuery inGroups(List<String> g) {
        return new SearchQuery(text, g, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery only(Scope first, Scope... more) {
        return new SearchQuery(text, groups, EnumSet.of(first, more), limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery limit(int n) {
        return new SearchQuery(text, groups, scopes, n, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery withEntityLabels(List<String> l) {
        return new SearchQuery(text, groups, scopes, limit, l, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery withFactNames(List<String> n) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, n, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery asOf(Instant t) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, t, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery beliefAsOf(Instant t) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, t, includeInvalidated, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery includingInvalidated() {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, true, centreUuid, rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery around(String entityUuid) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, entityUuid,
                rerank == Rerank.RRF ? Rerank.NODE_DISTANCE : rerank, methods, bfsDepth, referenceTime);
    }

    public SearchQuery rerankedBy(Rerank r) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, r, methods, bfsDepth, referenceTime);
    }

    public SearchQuery using(Method first, Method... more) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, EnumSet.of(first, more), bfsDepth, referenceTime);
    }

    public SearchQuery bfsDepth(int hops) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, hops, referenceTime);
    }

    /** Time expressions in the text are read relative to {@code t} (the moment the question is asked). */
    public SearchQuery at(Instant t) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, methods, bfsDepth, t);
    }

    /** Only these retrieval methods (null or empty: all). */
    public SearchQuery using(Set<Method> m) {
        return new SearchQuery(text, groups, scopes, limit, entityLabels, factNames, asOf, beliefAsOf, includeInvalidated, centreUuid, rerank, m, bfsDepth, referenceTime);
    }
}
