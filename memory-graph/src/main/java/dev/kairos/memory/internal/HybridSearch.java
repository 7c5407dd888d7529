package dev.kairos.memory.internal;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.Hit;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.Neighbourhood;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchQuery.Method;
import dev.kairos.memory.SearchQuery.Rerank;
import dev.kairos.memory.SearchQuery.Scope;
import dev.kairos.memory.SearchResults;
import org.neo4j.driver.Record;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Hybrid retrieval: fulltext (BM25) and vector kNN through Neo4j's indexes, breadth-first expansion from the hits or
 * a centre entity, fused by reciprocal rank and optionally reranked by MMR or node distance.
 */
final class HybridSearch {
    static final int MAX_QUERY_CHARS = 10_000;
    /** Candidates per method; time and group filters run after the index, so fetch more than asked. */
    private static final int MIN_CANDIDATES = 40;
    private static final int BFS_CAP = 200;
    private static final double MMR_LAMBDA = 0.5;

    /** Fact filter on {@code r} (groups, names, labels, belief time, world time); {@code carry} lists extra variables. */
    private static String factFilter(String carry) {
        return """
                WITH r, score%s, CASE WHEN $belief IS NOT NULL AND r.expired_at > $belief THEN null ELSE r.invalid_at END AS inv
                WHERE r.group_id IN $groups
                  AND ($names IS NULL OR r.name IN $names)
                  AND ($labels IS NULL OR any(l IN labels(startNode(r)) WHERE l IN $labels)
                                       OR any(l IN labels(endNode(r)) WHERE l IN $labels))
                  AND ($belief IS NULL OR r.created_at <= $belief)
                  AND ($world IS NULL OR ((r.valid_at IS NULL OR r.valid_at <= $world) AND (inv IS NULL OR inv > $world)))
                """.formatted(carry);
    }

    private static final String ENTITY_FILTER = """
            WHERE n.group_id IN $groups
              AND ($labels IS NULL OR any(l IN labels(n) WHERE l IN $labels))
              AND ($belief IS NULL OR n.created_at <= $belief)
            """;

    private static final String EPISODE_FILTER = """
            WHERE e.group_id IN $groups
              AND ($belief IS NULL OR e.created_at <= $belief)
              AND ($episodeAt IS NULL OR e.valid_at <= $episodeAt)
            """;

    /** Valid time inside the query's window (the bounds are always set; open ends are far away). */
    private static final String WINDOW_FILTER = "  AND e.valid_at >= $from AND e.valid_at < $to\n";
    private static final java.time.Instant EARLIEST = java.time.Instant.parse("0001-01-01T00:00:00Z");
    private static final java.time.Instant LATEST = java.time.Instant.parse("9999-01-01T00:00:00Z");
    /*
     * Episode fusion, chosen on the recall benchmark (docs/benchmarks.md, "Memory recall"): weighted RRF with a
     * small k (top ranks count), BM25 at 0.3 of the vector's vote (on chat turns it mostly matches the speaker's
     * name), the context vector at 0.5, and the time window's list at 10 (its episodes come first). Equal votes
     * with k = 60 gave 35.8 % recall@10; these give 56.5 %. Facts and entities keep plain RRF (k = 60): no
     * benchmark of theirs yet.
     */
    static final double W_FULLTEXT = 0.3, W_VECTOR = 1.0, W_CONTEXT = 0.5, W_TIME = 10.0;
    /**
     * The vote of the episodes that mention an entity the query names. Measured on the recall benchmark with ideal
     * MENTIONS: 0.5 gave 53.6 % recall@10, 1 gave 54.5 %, 2 gave 54.4 % with the best recall@5 (39.2 %).
     */
    static final double W_ENTITIES = 2.0;
    /** Entity-name candidates read from the fulltext index before the whole-name check. */
    private static final int NAME_CANDIDATES = 50;
    /** At most this many episodes mentioning one entity are ranked (a hub such as the user is mentioned everywhere). */
    private static final int MENTION_SCAN = 1_000;
    static final int EPISODE_RRF_K = 20;

    /** At most this many episodes of a time window are compared with the query. */
    private static final int TIME_SCAN = 5_000;

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HybridSearch.class);
    private final Bolt bolt;
    private final Embedder embedder;
    private final Checks checks;
    private final GraphReads reads;

    HybridSearch(Bolt bolt, Embedder embedder, Checks checks, GraphReads reads) {
        this.bolt = bolt;
        this.embedder = embedder;
        this.checks = checks;
        this.reads = reads;
    }

    SearchResults search(SearchQuery q) {
        if (q == null) throw new MemoryInputException("query", "is missing");
        List<String> groups = checks.groups(q.groups());
        if (q.limit() < 1 || q.limit() > 100) throw new MemoryInputException("limit", "must be between 1 and 100, was " + q.limit());
        if (q.bfsDepth() < 1 || q.bfsDepth() > 3) throw new MemoryInputException("bfsDepth", "must be between 1 and 3, was " + q.bfsDepth());
        if (q.text().length() > MAX_QUERY_CHARS)
            throw new MemoryInputException("query", "is " + q.text().length() + " characters, the limit is " + MAX_QUERY_CHARS);
        if (dev.kairos.memory.MemoryInput.blank(q.text()) && q.centreUuid() == null)
            throw new MemoryInputException("query", "must not be empty (or give centreUuid to search around an entity)");
        for (int i = 0; i < q.entityLabels().size(); i++) MemoryInput.label("entityTypes[" + i + "]", q.entityLabels().get(i));
        for (int i = 0; i < q.factNames().size(); i++) MemoryInput.relationName("factTypes[" + i + "]", q.factNames().get(i));
        if (q.rerank() == Rerank.NODE_DISTANCE && q.centreUuid() == null)
            throw new MemoryInputException("centreUuid", "is required for node-distance reranking");
        if (q.centreUuid() != null) {
            MemoryInput.uuid("centreUuid", q.centreUuid());
            Entity centre = reads.entity(q.centreUuid()).orElseThrow(() -> new MemoryNotFoundException("centreUuid", "entity", q.centreUuid()));
            if (!groups.contains(centre.groupId()))
                throw new MemoryInputException("centreUuid", "entity " + centre.uuid() + " is in group '" + centre.groupId()
                        + "', outside the searched groups " + groups);
        }

        // A time expression becomes a window of valid time; the other methods see the text without it. An event
        // instead of a date ("before Alice moved to Lisbon") is looked up in the memory and its time is the edge.
        QueryTime.Window window = null;
        if (q.methods().contains(Method.TIME) && q.scopes().contains(Scope.EPISODES)) {
            java.time.Instant reference = q.referenceTime() != null ? q.referenceTime() : Checks.now().toInstant();
            window = QueryTime.parse(q.text(), reference)
                    .or(() -> QueryTime.event(q.text()).flatMap(ev -> eventTime(ev, groups, q, reference).map(ev::window)))
                    .orElse(null);
        }
        String text = window != null && !MemoryInput.blank(window.rest()) ? window.rest() : q.text();
        long t0 = System.nanoTime();
        float[] vector = !MemoryInput.blank(text) && (q.methods().contains(Method.VECTOR) || q.rerank() == Rerank.MMR)
                ? embedder.embedQuery(text) : null;
        if (log.isDebugEnabled()) log.debug("search: query embedding {} µs", (System.nanoTime() - t0) / 1000);
        // One read transaction for all the retrieval steps: fewer round trips than one per query.
        QueryTime.Window w = window;
        return bolt.inRead(tx -> searchIn((c, params) -> tx.run(c, params).list(), q, text, w, groups, vector));
    }

    /**
     * When the event of an event-relative phrase happened: the valid time of the episode that matches its words best
     * (fulltext), else of the best matching fact; only what is known and valid by the reference time counts.
     */
    private java.util.Optional<java.time.Instant> eventTime(QueryTime.Event ev, List<String> groups, SearchQuery q,
                                                            java.time.Instant reference) {
        String lucene = Lucene.query(ev.event(), groups);
        if (lucene == null) return java.util.Optional.empty();
        Map<String, Object> p = new HashMap<>();
        p.put("lucene", lucene);
        p.put("groups", groups);
        p.put("belief", Rows.utc(q.beliefAsOf()));
        p.put("episodeAt", Rows.utc(reference));
        List<Record> rows = bolt.read("""
                CALL db.index.fulltext.queryNodes('episode_text', $lucene, {limit: 20}) YIELD node AS e, score
                """ + EPISODE_FILTER + "RETURN e.valid_at AS at ORDER BY score DESC LIMIT 1", p);
        if (rows.isEmpty()) rows = bolt.read("""
                CALL db.index.fulltext.queryRelationships('fact_text', $lucene, {limit: 20}) YIELD relationship AS r, score
                WHERE r.group_id IN $groups AND r.valid_at IS NOT NULL AND r.valid_at <= $episodeAt
                  AND ($belief IS NULL OR r.created_at <= $belief)
                RETURN r.valid_at AS at ORDER BY score DESC LIMIT 1""", p);
        if (rows.isEmpty() || rows.get(0).get("at").isNull()) return java.util.Optional.empty();
        return java.util.Optional.of(rows.get(0).get("at").asZonedDateTime().toInstant());
    }

    /**
     * The entities whose whole name appears in the query: candidates by the query's words in the fulltext index's
     * name field, kept when {@link EntityNames#named} finds the name in the query.
     */
    private static List<String> namedEntities(Reader reader, String text, List<String> groups, Map<String, Object> p) {
        String names = Lucene.nameQuery(text, groups);
        if (names == null) return List.of();
        Map<String, Object> np = new HashMap<>(p);
        np.put("names", names);
        np.put("nameScan", NAME_CANDIDATES);
        List<String> words = EntityNames.words(text);
        List<String> out = new ArrayList<>();
        for (Record r : reader.read("""
                CALL db.index.fulltext.queryNodes('entity_text', $names, {limit: $nameScan}) YIELD node AS n, score
                WHERE n.group_id IN $groups AND ($belief IS NULL OR n.created_at <= $belief)
                RETURN n.uuid AS uuid, n.name AS name ORDER BY score DESC""", np))
            if (EntityNames.named(words, r.get("name").asString())) out.add(r.get("uuid").asString());
        return out;
    }

    /**
     * Episodes that mention the named entities: those mentioning more (and rarer) of them first, 1/ln(2 + mentions)
     * per entity, then by similarity to the query (with a vector), then newest first.
     */
    private static List<String> mentioning(Reader reader, List<String> entities, Map<String, Object> p) {
        Map<String, Object> mp = new HashMap<>(p);
        mp.put("named", entities);
        mp.put("mentionScan", MENTION_SCAN);
        return ids(reader.read("""
                UNWIND $named AS u
                MATCH (n:Entity {uuid: u})
                WITH n, 1.0 / log(2.0 + COUNT { (n)<-[:MENTIONS]-() }) AS rarity
                CALL (n) {
                  MATCH (n)<-[:MENTIONS]-(e:Episode)
                  RETURN e LIMIT $mentionScan
                }
                WITH e, sum(rarity) AS weight
                """ + EPISODE_FILTER + """
                RETURN e.uuid AS uuid
                ORDER BY weight DESC,
                         CASE WHEN $vec IS NULL THEN 0.0 ELSE vector.similarity.cosine(e.content_embedding, $vec) END DESC,
                         e.valid_at DESC
                LIMIT $k""", mp));
    }

    /** Runs a read query in the current transaction. */
    @FunctionalInterface
    interface Reader {
        List<Record> read(String cypher, Map<String, Object> params);
    }

    private SearchResults searchIn(Reader reader, SearchQuery q, String text, QueryTime.Window window, List<String> groups, float[] vector) {
        long tStart = System.nanoTime();
        Map<String, Object> p = new HashMap<>();
        p.put("groups", groups);
        p.put("names", q.factNames().isEmpty() ? null : q.factNames());
        p.put("labels", q.entityLabels().isEmpty() ? null : q.entityLabels());
        p.put("belief", Rows.utc(q.beliefAsOf()));
        p.put("world", q.includeInvalidated() ? null : Rows.utc(q.asOf() != null ? q.asOf() : q.beliefAsOf() != null ? q.beliefAsOf() : Checks.now().toInstant()));
        p.put("episodeAt", Rows.utc(q.asOf() != null ? q.asOf() : q.beliefAsOf()));
        int k = Math.max(MIN_CANDIDATES, 4 * q.limit());
        p.put("k", k);
        String lucene = q.methods().contains(Method.FULLTEXT) ? Lucene.query(text, groups) : null;
        p.put("lucene", lucene);
        p.put("vec", vector == null ? null : Rows.vector(vector));
        boolean useVector = vector != null && q.methods().contains(Method.VECTOR);

        Set<Scope> scopes = q.scopes();
        boolean bfs = q.methods().contains(Method.BFS) && (scopes.contains(Scope.FACTS) || scopes.contains(Scope.ENTITIES));
        List<List<String>> factLists = new ArrayList<>();
        List<List<String>> entityLists = new ArrayList<>();
        List<Fusion.Ranking> episodeLists = new ArrayList<>();
        // BFS starts from the centre if given, else from the endpoints of the best hits (as Graphiti).
        Set<String> origins = new LinkedHashSet<>();
        Set<String> hitOrigins = new LinkedHashSet<>();
        if (q.centreUuid() != null) origins.add(q.centreUuid());
        // Named entities rank entities and episodes; a facts-only search skips the lookup (its recall gain is
        // measured on episodes only, and at 100k facts the extra origins cost its p95 ~6 ms).
        List<String> named = q.methods().contains(Method.ENTITIES)
                && (scopes.contains(Scope.EPISODES) || scopes.contains(Scope.ENTITIES))
                ? namedEntities(reader, text, groups, p) : List.of();

        if (scopes.contains(Scope.FACTS) || bfs) {
            if (lucene != null) factLists.add(factIds(reader.read("""
                    CALL db.index.fulltext.queryRelationships('fact_text', $lucene, {limit: $k}) YIELD relationship AS r, score
                    """ + factFilter("") + "RETURN r.uuid AS uuid, startNode(r).uuid AS s, endNode(r).uuid AS t ORDER BY score DESC LIMIT $k", p), hitOrigins));
            if (useVector) factLists.add(factIds(reader.read("""
                    CALL db.index.vector.queryRelationships('fact_embedding', $k, $vec) YIELD relationship AS r, score
                    """ + factFilter("") + "RETURN r.uuid AS uuid, startNode(r).uuid AS s, endNode(r).uuid AS t ORDER BY score DESC LIMIT $k", p), hitOrigins));
        }
        if (scopes.contains(Scope.ENTITIES)) {
            if (lucene != null) entityLists.add(ids(reader.read("""
                    CALL db.index.fulltext.queryNodes('entity_text', $lucene, {limit: $k}) YIELD node AS n, score
                    """ + ENTITY_FILTER + "RETURN n.uuid AS uuid ORDER BY score DESC LIMIT $k", p)));
            if (useVector) entityLists.add(ids(reader.read("""
                    CALL db.index.vector.queryNodes('entity_name_embedding', $k, $vec) YIELD node AS n, score
                    """ + ENTITY_FILTER + "RETURN n.uuid AS uuid ORDER BY score DESC LIMIT $k", p)));
            for (List<String> l : entityLists) hitOrigins.addAll(l.subList(0, Math.min(5, l.size())));
            if (!named.isEmpty()) entityLists.add(named);
        }
        // The entities the query names are where expansion starts as well.
        hitOrigins.addAll(named);
        if (q.centreUuid() == null) origins.addAll(hitOrigins);
        if (scopes.contains(Scope.EPISODES)) {
            p.put("from", Rows.utc(window == null || window.from() == null ? EARLIEST : window.from()));
            p.put("to", Rows.utc(window == null || window.to() == null ? LATEST : window.to()));
            p.put("scan", TIME_SCAN);
            if (lucene != null) episodeLists.add(new Fusion.Ranking(W_FULLTEXT, ids(reader.read("""
                    CALL db.index.fulltext.queryNodes('episode_text', $lucene, {limit: $k}) YIELD node AS e, score
                    """ + EPISODE_FILTER + "RETURN e.uuid AS uuid ORDER BY score DESC LIMIT $k", p))));
            if (useVector) episodeLists.add(new Fusion.Ranking(W_VECTOR, ids(reader.read("""
                    CALL db.index.vector.queryNodes('episode_embedding', $k, $vec) YIELD node AS e, score
                    """ + EPISODE_FILTER + "RETURN e.uuid AS uuid ORDER BY score DESC LIMIT $k", p))));
            if (useVector) episodeLists.add(new Fusion.Ranking(W_CONTEXT, ids(reader.read("""
                    CALL db.index.vector.queryNodes('episode_context_embedding', $k, $vec) YIELD node AS e, score
                    """ + EPISODE_FILTER + "RETURN e.uuid AS uuid ORDER BY score DESC LIMIT $k", p))));
            if (!named.isEmpty()) episodeLists.add(new Fusion.Ranking(W_ENTITIES, mentioning(reader, named, p)));
            if (window != null) {
                // The window's episodes by meaning (by words without a vector; by recency with neither), with a vote
                // that puts them ahead of the rest: episodes of other times only fill up. BM25 inside the window as
                // well measured worse (it ranks every turn of the person named first).
                if (useVector) episodeLists.add(new Fusion.Ranking(W_TIME, inWindow(reader, p, true)));
                if (lucene != null && !useVector) episodeLists.add(new Fusion.Ranking(W_TIME, inWindow(reader, p, false)));
                if (!useVector && lucene == null) episodeLists.add(new Fusion.Ranking(1, inWindow(reader, p, false)));
            }
        }

        long tRetrieved = System.nanoTime();
        Map<String, Integer> distance = Map.of();
        if (bfs && !origins.isEmpty()) {
            Expansion x = expand(reader, new ArrayList<>(origins), q.bfsDepth(), p, vector != null);
            factLists.add(x.facts());
            entityLists.add(x.entityOrder());
            if (q.centreUuid() != null) distance = x.distance();
        }
        if (q.rerank() == Rerank.NODE_DISTANCE && !bfs) {
            distance = expand(reader, List.of(q.centreUuid()), q.bfsDepth(), p, false).distance();
        }

        long tExpanded = System.nanoTime();
        List<Hit<Fact>> facts = !scopes.contains(Scope.FACTS) ? List.of() : rank(reader, q, Fusion.rrf(factLists), vector, p,
                "UNWIND $ids AS id MATCH ()-[r:RELATES_TO {uuid: id}]->() WITH r, 0.0 AS score " + factFilter("") + "RETURN " + Rows.FACT,
                "UNWIND $ids AS id MATCH ()-[r:RELATES_TO {uuid: id}]->() RETURN r.uuid AS uuid, r.fact_embedding AS v",
                rec -> Rows.fact(rec.get("fact")), Fact::uuid, distanceOfFact(distance));
        List<Hit<Entity>> entities = !scopes.contains(Scope.ENTITIES) ? List.of() : rank(reader, q, Fusion.rrf(entityLists), vector, p,
                "UNWIND $ids AS id MATCH (n:Entity {uuid: id}) " + ENTITY_FILTER + "RETURN " + Rows.ENTITY,
                "UNWIND $ids AS id MATCH (n:Entity {uuid: id}) RETURN n.uuid AS uuid, n.name_embedding AS v",
                rec -> Rows.entity(rec.get("entity")), Entity::uuid, distanceOfEntity(distance));
        List<Hit<Episode>> episodes = !scopes.contains(Scope.EPISODES) ? List.of() : rank(reader, q, Fusion.weightedRrf(episodeLists, EPISODE_RRF_K), vector, p,
                "UNWIND $ids AS id MATCH (e:Episode {uuid: id}) " + EPISODE_FILTER + "RETURN " + Rows.EPISODE,
                "UNWIND $ids AS id MATCH (e:Episode {uuid: id}) RETURN e.uuid AS uuid, e.content_embedding AS v",
                rec -> Rows.episode(rec.get("episode")), Episode::uuid, null);
        if (log.isDebugEnabled())
            log.debug("search: retrieval {} µs, bfs from {} origins {} µs, fuse+fetch {} µs", (tRetrieved - tStart) / 1000,
                    origins.size(), (tExpanded - tRetrieved) / 1000, (System.nanoTime() - tExpanded) / 1000);
        return new SearchResults(facts, entities, episodes);
    }

    private static Function<Fact, Integer> distanceOfFact(Map<String, Integer> d) {
        return f -> Math.min(d.getOrDefault(f.sourceUuid(), Integer.MAX_VALUE), d.getOrDefault(f.targetUuid(), Integer.MAX_VALUE));
    }

    private static Function<Entity, Integer> distanceOfEntity(Map<String, Integer> d) {
        return e -> d.getOrDefault(e.uuid(), Integer.MAX_VALUE);
    }

    /** Fetches the fused candidates (filters again) and applies the reranker; returns at most {@code limit} hits. */
    private <T> List<Hit<T>> rank(Reader reader, SearchQuery q, LinkedHashMap<String, Double> fused, float[] vector, Map<String, Object> p,
                                  String fetch, String vectors, Function<Record, T> map, Function<T, String> id,
                                  Function<T, Integer> distance) {
        if (fused.isEmpty()) return List.of();
        int pool = q.rerank() == Rerank.RRF ? q.limit() * 2 : q.limit() * 4;
        List<String> ids = new ArrayList<>(fused.keySet()).subList(0, Math.min(pool, fused.size()));
        Map<String, Object> fp = new HashMap<>(p);
        fp.put("ids", ids);
        Map<String, T> byId = new LinkedHashMap<>();
        for (Record r : reader.read(fetch, fp)) {
            T t = map.apply(r);
            byId.put(id.apply(t), t);
        }
        List<String> kept = ids.stream().filter(byId::containsKey).toList();
        LinkedHashMap<String, Double> order;
        if (q.rerank() == Rerank.MMR && vector != null) {
            Map<String, float[]> vs = new HashMap<>();
            Map<String, Object> vp = Map.of("ids", kept);
            for (Record r : reader.read(vectors, vp)) vs.put(r.get("uuid").asString(), Rows.floats(r.get("v")));
            order = Fusion.mmr(kept, vs, vector, MMR_LAMBDA, q.limit());
        } else if (q.rerank() == Rerank.NODE_DISTANCE && distance != null) {
            order = new LinkedHashMap<>();
            kept.stream().sorted(Comparator.comparingInt((String u) -> distance.apply(byId.get(u)))
                            .thenComparing(u -> -fused.get(u)))
                    .forEachOrdered(u -> {
                        int d = distance.apply(byId.get(u));
                        order.put(u, d == Integer.MAX_VALUE ? 0.0 : 1.0 / (1 + d));
                    });
        } else {
            order = new LinkedHashMap<>();
            for (String u : kept) order.put(u, fused.get(u));
        }
        List<Hit<T>> out = new ArrayList<>();
        for (var e : order.entrySet()) {
            if (out.size() == q.limit()) break;
            out.add(new Hit<>(byId.get(e.getKey()), e.getValue()));
        }
        return out;
    }

    /**
     * Episodes valid inside the query's time window, most similar to the query first (an exact scan of the window,
     * bounded: the vector index cannot filter by time), or by fulltext score when there is no query vector.
     */
    private static List<String> inWindow(Reader reader, Map<String, Object> p, boolean byVector) {
        if (byVector) return ids(reader.read("""
                MATCH (e:Episode) WHERE e.valid_at >= $from AND e.valid_at < $to
                WITH e
                """ + EPISODE_FILTER + """
                WITH e LIMIT $scan
                RETURN e.uuid AS uuid ORDER BY vector.similarity.cosine(e.content_embedding, $vec) DESC LIMIT $k""", p));
        if (p.get("lucene") != null) return ids(reader.read("""
                CALL db.index.fulltext.queryNodes('episode_text', $lucene, {limit: $scan}) YIELD node AS e, score
                """ + EPISODE_FILTER + WINDOW_FILTER + "RETURN e.uuid AS uuid ORDER BY score DESC LIMIT $k", p));
        return ids(reader.read("""
                MATCH (e:Episode) WHERE e.valid_at >= $from AND e.valid_at < $to
                WITH e
                """ + EPISODE_FILTER + "RETURN e.uuid AS uuid ORDER BY e.valid_at DESC LIMIT $k", p));
    }

    private static List<String> ids(List<Record> rows) {
        return rows.stream().map(r -> r.get("uuid").asString()).distinct().toList();
    }

    /** Fact ids in order; the endpoints of the top few become BFS origins. */
    private static List<String> factIds(List<Record> rows, Set<String> origins) {
        for (int i = 0; i < Math.min(3, rows.size()); i++) {
            origins.add(rows.get(i).get("s").asString());
            origins.add(rows.get(i).get("t").asString());
        }
        return ids(rows);
    }

    /** Facts reached by expansion (best semantic match first when there is a query), entities by hops. */
    record Expansion(List<String> facts, List<String> entityOrder, Map<String, Integer> distance) {}

    Expansion expand(Reader reader, List<String> origins, int depth, Map<String, Object> p, boolean bySimilarity) {
        return expand(reader, origins, depth, p, bySimilarity, BFS_CAP, 25);
    }

    Expansion expand(Reader reader, List<String> origins, int depth, Map<String, Object> p, boolean bySimilarity,
                     int cap, int perNode) {
        Map<String, Integer> distance = new LinkedHashMap<>();
        for (String o : origins) distance.put(o, 0);
        Map<String, Double> facts = new LinkedHashMap<>();
        List<String> frontier = origins;
        for (int hop = 1; hop <= depth && !frontier.isEmpty(); hop++) {
            Map<String, Object> hp = new HashMap<>(p);
            hp.put("frontier", frontier);
            hp.put("cap", cap);
            hp.put("perNode", perNode);
            if (!bySimilarity) hp.put("vec", null);
            List<String> next = new ArrayList<>();
            // Per-node and per-hop caps keep a hub (a city, an employer) from turning one search into a scan.
            for (Record r : reader.read("""
                    UNWIND $frontier AS u
                    MATCH (a:Entity {uuid: u})
                    CALL (a) {
                      MATCH (a)-[r:RELATES_TO]-(b:Entity)
                      WITH r, b, 0.0 AS score
                      """ + factFilter(", b") + """
                      RETURN r, b LIMIT $perNode
                    }
                    WITH DISTINCT r, b LIMIT $cap
                    RETURN r.uuid AS fact, b.uuid AS other,
                           CASE WHEN $vec IS NULL THEN 0.0 ELSE vector.similarity.cosine(r.fact_embedding, $vec) END AS sim""", hp)) {
                // Earlier hops win ties, so the hop is folded in below the similarity.
                facts.putIfAbsent(r.get("fact").asString(), r.get("sim").asDouble() - hop * 1e-6);
                String other = r.get("other").asString();
                if (!distance.containsKey(other)) {
                    distance.put(other, hop);
                    if (next.size() < perNode) next.add(other);
                }
            }
            frontier = next;
        }
        List<String> factOrder = new ArrayList<>(bySimilarity ? Fusion.sorted(facts).keySet() : facts.keySet());
        List<String> entityOrder = distance.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
        return new Expansion(factOrder, entityOrder, distance);
    }

    Neighbourhood neighbourhood(String entityUuid, int hops, boolean includeInvalidated) {
        MemoryInput.uuid("entityUuid", entityUuid);
        if (hops < 1 || hops > 3) throw new MemoryInputException("hops", "must be between 1 and 3, was " + hops);
        Entity centre = reads.entity(entityUuid).orElseThrow(() -> new MemoryNotFoundException("entityUuid", "entity", entityUuid));
        Map<String, Object> p = new HashMap<>();
        p.put("groups", List.of(centre.groupId()));
        p.put("names", null);
        p.put("labels", null);
        p.put("belief", null);
        p.put("world", includeInvalidated ? null : Checks.now());
        p.put("vec", null);
        Expansion x = expand(bolt::read, List.of(entityUuid), hops, p, false, 1000, 200);
        Map<String, Object> fp = new HashMap<>(p);
        fp.put("ids", x.facts());
        List<Fact> facts = bolt.read("UNWIND $ids AS id MATCH ()-[r:RELATES_TO {uuid: id}]->() RETURN " + Rows.FACT, fp)
                .stream().map(r -> Rows.fact(r.get("fact"))).toList();
        Map<String, Entity> entities = new HashMap<>();
        for (Record r : bolt.read("UNWIND $ids AS id MATCH (n:Entity {uuid: id}) RETURN " + Rows.ENTITY, Map.of("ids", x.entityOrder()))) {
            Entity e = Rows.entity(r.get("entity"));
            entities.put(e.uuid(), e);
        }
        List<Neighbourhood.Reached> reached = x.entityOrder().stream().filter(entities::containsKey)
                .map(u -> new Neighbourhood.Reached(entities.get(u), x.distance().get(u))).toList();
        return new Neighbourhood(centre, reached, facts);
    }
}
