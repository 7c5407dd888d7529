package dev.kairos.bench.memory;

import dev.kairos.memory.Embedder;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Session;
import org.neo4j.driver.SessionConfig;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the engine itself can insert: the same synthetic facts as {@link MemoryBench}, written as a bare
 * {@code UNWIND … CREATE} of RELATES_TO relationships (with their fact vector) into embedded Neo4j through the Bolt
 * driver, under one index set-up at a time. No Kairos logic runs in the timed part, so each figure is an upper bound
 * for any code on that schema; {@link MemoryBench} measures Kairos's own {@code addFacts} on the same data.
 *
 * <p>Arguments ({@code key=value}): facts (100000), batch (1000), setups (comma list, default all: bare = no fact
 * vector and no index; none = the vector stored, no index; fulltext; vector; fulltext+vector; kairos = Kairos's
 * whole schema), writers (1: concurrent batch writers), vectors (real: all-MiniLM-L6-v2-q embeddings of the sentences,
 * the default; random: random unit vectors, which skips the embedding time).
 */
public final class EngineCeilingBench {
    private static final String FULLTEXT = "CREATE FULLTEXT INDEX fact_text FOR ()-[r:RELATES_TO]-() ON EACH [r.name, r.fact, r.group_id]";
    private static final String VECTOR = "CREATE VECTOR INDEX fact_embedding FOR ()-[r:RELATES_TO]-() ON r.fact_embedding"
            + " OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine'}}";

    public static void main(String[] args) throws Exception {
        Map<String, String> a = MemoryBench.args(args);
        int total = Integer.parseInt(a.getOrDefault("facts", "100000"));
        int batch = Integer.parseInt(a.getOrDefault("batch", "1000"));
        int writers = Integer.parseInt(a.getOrDefault("writers", "1"));
        List<String> setups = List.of(a.getOrDefault("setups", "bare,none,fulltext,vector,fulltext+vector,kairos").split(","));
        boolean real = !a.getOrDefault("vectors", "real").equals("random");
        int population = Math.max(1000, total / 10);

        MemoryBench.out("# engine ceiling: %d facts, batch %d, %d cores, load average %s, %s vectors",
                total, batch, Runtime.getRuntime().availableProcessors(), MemoryBench.loadAverage(), real ? "real" : "random");
        List<SyntheticFacts.Row> rows = SyntheticFacts.generate(total, population, 42);
        List<float[]> vectors = real ? embed(rows) : random(total);

        Map<String, String> results = new LinkedHashMap<>();
        for (String setup : setups) {
            Path dir = Files.createTempDirectory("kairos-engine-ceiling");
            List<String> schema = switch (setup) {
                case "bare", "none" -> List.of();
                case "fulltext" -> List.of(FULLTEXT);
                case "vector" -> List.of(VECTOR);
                case "fulltext+vector" -> List.of(FULLTEXT, VECTOR);
                case "kairos" -> {
                    // Kairos's whole schema (constraints, range, fulltext and vector indexes), applied by Kairos itself.
                    try (MemoryGraph graph = MemoryGraph.open(MemorySettings.defaults().withDataDir(dir))) {
                        if (!graph.awaitReady(Duration.ofMinutes(5)).isReady()) throw new IllegalStateException(graph.status().describe());
                    }
                    yield List.of();
                }
                default -> throw new IllegalArgumentException("unknown setup '" + setup + "'; use bare, none, fulltext, vector, fulltext+vector or kairos");
            };
            results.put(setup, run(dir.resolve("neo4j"), setup, schema, !setup.equals("bare"), rows, vectors, batch, writers));
            deleteTree(dir);
        }
        results.forEach((setup, r) -> MemoryBench.out("RESULT engine ceiling, %s: %s", setup, r));
    }

    private static String run(Path home, String setup, List<String> schema, boolean withVectors, List<SyntheticFacts.Row> rows,
                              List<float[]> vectors, int batch, int writers) throws Exception {
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .build();
        try {
            int port = ((GraphDatabaseAPI) dbms.database("system")).getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class).getLocalAddress(ConnectorType.BOLT).getPort();
            try (Driver driver = GraphDatabase.driver("bolt://127.0.0.1:" + port, AuthTokens.none());
                 Session s = driver.session(SessionConfig.forDatabase("neo4j"))) {
                s.run("CREATE CONSTRAINT entity_uuid IF NOT EXISTS FOR (n:Entity) REQUIRE n.uuid IS UNIQUE").consume();
                for (String statement : schema) s.run(statement).consume();
                s.run("CALL db.awaitIndexes(300)").consume();
                // Entities first, untimed: the timed part is the facts alone.
                Map<String, String> ids = new LinkedHashMap<>();
                for (var r : rows) {
                    ids.computeIfAbsent(r.subject(), k -> UUID.randomUUID().toString());
                    ids.computeIfAbsent(r.object(), k -> UUID.randomUUID().toString());
                }
                List<Map<String, Object>> entities = new ArrayList<>();
                ids.forEach((name, uuid) -> entities.add(Map.of("uuid", uuid, "name", name)));
                for (int i = 0; i < entities.size(); i += 5000) {
                    var part = entities.subList(i, Math.min(entities.size(), i + 5000));
                    s.executeWrite(tx -> tx.run("UNWIND $rows AS row CREATE (:Entity {uuid: row.uuid, name: row.name, group_id: 'bench'})",
                            Map.of("rows", part)).consume());
                }
                String statement = """
                        UNWIND $rows AS row
                        MATCH (a:Entity {uuid: row.s}), (b:Entity {uuid: row.o})
                        CREATE (a)-[r:RELATES_TO {uuid: row.uuid, group_id: 'bench', name: row.name, fact: row.fact,
                                                  valid_at: datetime(), created_at: datetime()}]->(b)
                        """ + (withVectors ? "WITH r, row CALL db.create.setRelationshipVectorProperty(r, 'fact_embedding', row.vector)" : "");
                long t0 = System.nanoTime();
                long tenth = 0;
                int first = 0;
                var pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
                var inFlight = new java.util.ArrayDeque<java.util.concurrent.Future<?>>();
                for (int i = 0; i < rows.size(); i += batch) {
                    List<Map<String, Object>> part = new ArrayList<>(batch);
                    for (int k = i; k < Math.min(rows.size(), i + batch); k++) {
                        var r = rows.get(k);
                        // As Kairos sends it: the driver has no float32 vector type for Neo4j 5, so a list of doubles.
                        List<Double> v = new ArrayList<>(384);
                        if (withVectors) for (float f : vectors.get(k)) v.add((double) f);
                        part.add(Map.of("uuid", UUID.randomUUID().toString(), "s", ids.get(r.subject()), "o", ids.get(r.object()),
                                "name", r.relation(), "fact", r.sentence(), "vector", v));
                    }
                    inFlight.add(pool.submit(() -> {
                        try (Session w = driver.session(SessionConfig.forDatabase("neo4j"))) {
                            w.executeWrite(tx -> tx.run(statement, Map.of("rows", part)).consume());
                        }
                    }));
                    while (inFlight.size() >= writers) inFlight.poll().get();
                    int done = Math.min(rows.size(), i + batch);
                    if (tenth == 0 && done >= rows.size() / 10) {
                        tenth = System.nanoTime();
                        first = done;
                    }
                }
                for (var f : inFlight) f.get();
                pool.shutdown();
                double all = (System.nanoTime() - t0) / 1e9;
                double rest = (System.nanoTime() - tenth) / 1e9;
                String r = String.format("%d facts in %.1f s = %.0f facts/s (after the first %d: %.0f facts/s)",
                        rows.size(), all, rows.size() / all, first, (rows.size() - first) / rest);
                MemoryBench.out("%s: %s", setup, r);
                return r;
            }
        } finally {
            dbms.shutdown();
        }
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static List<float[]> embed(List<SyntheticFacts.Row> rows) {
        Embedder embedder = Embedder.local(null);
        long t = System.nanoTime();
        List<float[]> out = embedder.embedAll(rows.stream().map(SyntheticFacts.Row::sentence).toList());
        MemoryBench.out("embedded %d sentences in %.1f s", rows.size(), (System.nanoTime() - t) / 1e9);
        return out;
    }

    private static List<float[]> random(int n) {
        java.util.Random r = new java.util.Random(42);
        List<float[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] v = new float[384];
            double norm = 0;
            for (int k = 0; k < v.length; k++) norm += (v[k] = (float) r.nextGaussian()) * v[k];
            for (int k = 0; k < v.length; k++) v[k] /= (float) Math.sqrt(norm);
            out.add(v);
        }
        return out;
    }
}
