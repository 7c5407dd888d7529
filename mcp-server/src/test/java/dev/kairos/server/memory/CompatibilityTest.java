package dev.kairos.server.memory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.Caller;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static dev.kairos.server.memory.KairosToolsetTest.assertError;
import static dev.kairos.server.memory.KairosToolsetTest.list;
import static dev.kairos.server.memory.KairosToolsetTest.map;
import static dev.kairos.server.memory.KairosToolsetTest.ok;
import static dev.kairos.server.memory.KairosToolsetTest.structured;
import static dev.kairos.server.memory.KairosToolsetTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two drop-in profiles checked tool by tool against the anchors' pinned contracts (test resources
 * {@code anchors/}): names, argument names, required arguments, argument types, and each tool called once with its
 * result validated against the anchor's own output schema.
 */
class CompatibilityTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final DefaultJsonSchemaValidator VALIDATOR = new DefaultJsonSchemaValidator();

    @RegisterExtension
    static final TestMemory memory = new TestMemory();

    static McpHarness harness(Toolset toolset, String group) throws Exception {
        return McpHarness.start(sink -> MemoryTools.create(memory.graph(), toolset, "default", sink), Caller.local(group));
    }

    // ---- tools/list against the pinned anchors ----

    @Test
    void serverMemoryToolsMatchTheAnchor() throws Exception {
        try (McpHarness mcp = harness(Toolset.SERVER_MEMORY, "sm-list")) {
            assertSameContracts(anchor("server-memory-tools.json"), mcp.client().listTools().tools());
        }
    }

    @Test
    void graphitiToolsMatchTheAnchor() throws Exception {
        try (McpHarness mcp = harness(Toolset.GRAPHITI, "g-list")) {
            assertSameContracts(anchor("graphiti-tools.json"), mcp.client().listTools().tools());
        }
    }

    private static void assertSameContracts(List<Map<String, Object>> anchor, List<McpSchema.Tool> ours) {
        assertEquals(anchor.stream().map(t -> (String) t.get("name")).toList(), ours.stream().map(McpSchema.Tool::name).toList());
        for (int i = 0; i < anchor.size(); i++) {
            Map<String, Object> a = anchor.get(i);
            McpSchema.Tool t = ours.get(i);
            String name = t.name();
            assertEquals(signature(map(a.get("inputSchema"))), signature(t.inputSchema()), name + " arguments");
            assertEquals(required(map(a.get("inputSchema"))), required(t.inputSchema()), name + " required");
            assertEquals(map(map(a.get("outputSchema")).get("properties")).keySet(), t.outputSchema().get("properties") == null
                    ? Set.of() : map(t.outputSchema().get("properties")).keySet(), name + " result fields");
        }
    }

    /** Argument name to its JSON types ("array<string>", "string", "null"), from type, type lists and anyOf. */
    static Map<String, Set<String>> signature(Map<String, Object> schema) {
        Map<String, Set<String>> out = new TreeMap<>();
        Object props = schema.get("properties");
        if (props instanceof Map<?, ?> p) {
            p.forEach((k, v) -> out.put((String) k, types(map(v))));
        }
        return out;
    }

    static Set<String> types(Map<String, Object> s) {
        Set<String> out = new TreeSet<>();
        if (s.get("anyOf") instanceof List<?> any) {
            any.forEach(x -> out.addAll(types(map(x))));
            return out;
        }
        List<Object> names = s.get("type") instanceof List<?> l ? new ArrayList<>(l) : List.of(String.valueOf(s.get("type")));
        for (Object n : names) {
            if ("array".equals(n) && s.get("items") instanceof Map<?, ?> items) {
                out.add("array<" + String.join("|", types(map(items))) + ">"
                        + (map(items).get("properties") instanceof Map<?, ?> ip ? new TreeSet<>(ip.keySet().stream().map(String::valueOf).toList()) : ""));
            } else {
                out.add(String.valueOf(n));
            }
        }
        return out;
    }

    static Set<String> required(Map<String, Object> schema) {
        return schema.get("required") instanceof List<?> r ? new TreeSet<>(r.stream().map(String::valueOf).toList()) : Set.of();
    }

    // ---- each tool called once ----

    @Test
    void serverMemoryAnswersTheAnchorsRecordedCallsIdentically() throws Exception {
        Map<String, Map<String, Object>> schemas = outputSchemas(anchor("server-memory-tools.json"));
        List<Map<String, Object>> calls = list(anchorDoc("server-memory-calls.json").get("calls"));
        Set<String> called = new TreeSet<>();
        try (McpHarness mcp = harness(Toolset.SERVER_MEMORY, "sm-replay")) {
            for (Map<String, Object> call : calls) {
                String tool = (String) call.get("tool");
                Map<String, Object> expected = map(call.get("result"));
                CallToolResult got = mcp.call(tool, map(call.get("arguments")));
                called.add(tool);
                if (Boolean.TRUE.equals(expected.get("isError"))) {
                    assertTrue(Boolean.TRUE.equals(got.isError()), tool + " should fail like the anchor: " + text(got));
                    continue;
                }
                ok(got);
                assertEquals(expected.get("structuredContent"), got.structuredContent(), tool);
                assertValid(schemas.get(tool), got, tool);
            }
            // the tools the recording did not cover, on the same graph
            CallToolResult graph1 = ok(mcp.call("read_graph", Map.of()));
            assertValid(schemas.get("read_graph"), graph1, "read_graph");
            assertEquals(4, list(structured(graph1).get("entities")).size());
            assertEquals(3, list(structured(graph1).get("relations")).size());

            CallToolResult opened = ok(mcp.call("open_nodes", Map.of("names", List.of("Paris"))));
            assertValid(schemas.get("open_nodes"), opened, "open_nodes");
            assertEquals(List.of(Map.of("from", "Alice", "to", "Paris", "relationType", "lives in")), structured(opened).get("relations"));

            assertValid(schemas.get("delete_observations"), ok(mcp.call("delete_observations", Map.of("deletions",
                    List.of(Map.of("entityName", "Alice", "observations", List.of("Speaks French")))))), "delete_observations");
            assertValid(schemas.get("delete_relations"), ok(mcp.call("delete_relations", Map.of("relations",
                    List.of(Map.of("from", "Bob", "to", "Alice", "relationType", "knows"))))), "delete_relations");
            called.addAll(List.of("read_graph", "open_nodes", "delete_observations", "delete_relations"));

            Map<String, Object> after = structured(ok(mcp.call("read_graph", Map.of())));
            Map<String, Object> alice = list(after.get("entities")).stream().filter(e -> e.get("name").equals("Alice")).findFirst().orElseThrow();
            assertEquals(List.of("Works at Acme"), alice.get("observations"));
            assertEquals(2, list(after.get("relations")).size());
            var unknown = mcp.call("add_observations", Map.of("observations",
                    List.of(Map.of("entityName", "Nobody", "contents", List.of("x")))));
            assertError(unknown, "no entity with name 'Nobody'");
            assertFalse(text(unknown).contains("uuid"), "an unknown entity is named, not a uuid: " + text(unknown));
        }
        assertEquals(new TreeSet<>(schemas.keySet()), called, "every server-memory tool called");
    }

    @Test
    void everyGraphitiToolAnswersInTheAnchorsShape() throws Exception {
        Map<String, Map<String, Object>> schemas = outputSchemas(anchor("graphiti-tools.json"));
        Set<String> called = new TreeSet<>();
        try (McpHarness mcp = harness(Toolset.GRAPHITI, "graphiti")) {
            Map<String, Map<String, Object>> results = new HashMap<>();
            java.util.function.BiFunction<String, Map<String, Object>, Map<String, Object>> call = (tool, args) -> {
                CallToolResult r = mcp.call(tool, args);
                called.add(tool);
                assertValid(schemas.get(tool), r, tool);
                results.put(tool, structured(r));
                return structured(r);
            };
            assertEquals("Episode 'Standup' queued for processing in group 'graphiti'", map(call.apply("add_memory", Map.of(
                    "name", "Standup", "episode_body", "Noor moved the launch of Project Heron to March.",
                    "reference_time", "2025-01-15T10:30:00")).get("result")).get("message"));
            List<Map<String, Object>> episodes = list(map(call.apply("get_episodes", Map.of("max_episodes", 5)).get("result")).get("episodes"));
            assertEquals("Standup", episodes.getFirst().get("name"));
            String episodeUuid = (String) episodes.getFirst().get("uuid");

            Map<String, Object> triplet = map(call.apply("add_triplet", Map.of("source_node_name", "Noor", "edge_name", "LEADS",
                    "fact", "Noor leads Project Heron", "target_node_name", "Project Heron")).get("result"));
            assertEquals("Triplet 'Noor -[LEADS]-> Project Heron' added", triplet.get("message"));
            String edgeUuid = (String) list(triplet.get("edges")).getFirst().get("uuid");

            List<Map<String, Object>> nodes = list(map(call.apply("search_nodes", Map.of("query", "Project Heron")).get("result")).get("nodes"));
            assertTrue(nodes.stream().anyMatch(n -> n.get("name").equals("Project Heron")), nodes.toString());
            List<Map<String, Object>> facts = list(map(call.apply("search_memory_facts", Map.of("query", "who leads Heron",
                    "group_ids", "graphiti")).get("result")).get("facts"));
            assertEquals(edgeUuid, facts.getFirst().get("uuid"));
            assertEquals("Noor leads Project Heron", map(call.apply("get_entity_edge", Map.of("uuid", edgeUuid)).get("result")).get("fact"));
            assertEquals("Retrieved provenance for 1 episode(s)", map(call.apply("get_episode_entities",
                    Map.of("episode_uuids", List.of(episodeUuid))).get("result")).get("message"));
            call.apply("delete_entity_edge", Map.of("uuid", edgeUuid));
            call.apply("delete_episode", Map.of("uuid", episodeUuid));
            // the two model-driven tools answer Graphiti's ErrorResponse until extraction exists
            assertTrue(map(call.apply("summarize_saga", Map.of("saga_name", "launch")).get("result")).get("error").toString().contains("model"));
            assertTrue(map(call.apply("build_communities", Map.of()).get("result")).containsKey("error"));
            assertEquals("Graph data cleared successfully for group IDs: graphiti",
                    map(call.apply("clear_graph", Map.of()).get("result")).get("message"));
            assertEquals("ok", call.apply("get_status", Map.of()).get("status"));
            // Graphiti's own checks, in its words, as errors naming the field
            assertEquals("max_facts must be a positive integer", map(call.apply("search_memory_facts",
                    Map.of("query", "x", "max_facts", 0)).get("result")).get("error").toString().replace("max_facts: ", ""));
            assertTrue(map(call.apply("add_memory", Map.of("name", "n", "episode_body", "b", "reference_time", "yesterday"))
                    .get("result")).get("error").toString().contains("reference_time"));
        }
        assertEquals(new TreeSet<>(schemas.keySet()), called, "every graphiti tool called");
    }

    @Test
    void serverMemoryKeepsItsKnowledgeGraphResourceWithUpdates() throws Exception {
        try (McpHarness mcp = harness(Toolset.SERVER_MEMORY, "sm-resource")) {
            mcp.client().subscribeResource(new McpSchema.SubscribeRequest("memory://knowledge-graph"));
            ok(mcp.call("create_entities", Map.of("entities", List.of(Map.of("name", "Kiln", "entityType", "tool", "observations", List.of("hot"))))));
            assertTrue(mcp.awaitUpdate("memory://knowledge-graph", java.time.Duration.ofSeconds(30)));
            var read = mcp.client().readResource(new McpSchema.ReadResourceRequest("memory://knowledge-graph"));
            Map<String, Object> graphJson = JSON.readValue(((McpSchema.TextResourceContents) read.contents().getFirst()).text(),
                    new TypeReference<>() {
                    });
            assertEquals(List.of(Map.of("name", "Kiln", "entityType", "tool", "observations", List.of("hot"))), graphJson.get("entities"));
        }
    }

    @Test
    void graphitiFiltersFactsByDateAndRefusesForeignGroups() throws Exception {
        memory.graph().addFact(dev.kairos.memory.NewFact.triplet("g-dates", "Ravi", "STUDIES_AT", "Ravi studies at Delft", "Delft")
                .withValidAt(java.time.Instant.parse("2021-09-01T00:00:00Z")));
        try (McpHarness mcp = harness(Toolset.GRAPHITI, "g-dates")) {
            ok(mcp.call("add_triplet", Map.of("source_node_name", "Ravi", "edge_name", "LIKES", "fact", "Ravi likes canals",
                    "target_node_name", "Canals")));
            assertEquals(List.of("Ravi likes canals", "Ravi studies at Delft"), graphitiFacts(mcp, Map.of("query", "Ravi")));
            assertEquals(List.of("Ravi studies at Delft"), graphitiFacts(mcp, Map.of("query", "Ravi", "valid_at_after", "2020-01-01")));
            assertEquals(List.of(), graphitiFacts(mcp, Map.of("query", "Ravi", "valid_at_before", "2021-08-31T23:59:59Z")));
        }
        try (McpHarness restricted = McpHarness.start(sink -> MemoryTools.create(memory.graph(), Toolset.GRAPHITI, "default", sink),
                new Caller("bob", Set.of("g-bob"), false, "g-bob"))) {
            CallToolResult refused = restricted.call("search_memory_facts", Map.of("query", "Ravi", "group_ids", "g-dates"));
            assertTrue(Boolean.TRUE.equals(refused.isError()));
            assertTrue(map(structured(refused).get("result")).get("error").toString().contains("'g-dates'"), text(refused));
            // Graphiti's shape even for the refusal, and the date filters are read (and checked) too
            CallToolResult badDate = restricted.call("search_memory_facts", Map.of("query", "Ravi", "valid_at_after", "2024-13-01"));
            assertTrue(map(structured(badDate).get("result")).get("error").toString().contains("valid_at_after"), text(badDate));
            Map<String, Object> none = structured(ok(restricted.call("search_memory_facts", Map.of("query", "Ravi studies"))));
            assertEquals("No relevant facts found", map(none.get("result")).get("message"));
        }
    }

    // ---- import of server-memory's file, and round trips ----

    @Test
    void serverMemoryJsonlImportsAndExportsBackToTheSameLines() throws Exception {
        var archive = new MemoryArchive(memory.graph());
        String sample = resource("server-memory-sample.jsonl");
        MemoryArchive.Report report = archive.importFrom(new java.io.BufferedReader(new java.io.StringReader(sample)), "migrated", MemoryArchive.Progress.NONE);
        assertEquals(new MemoryArchive.Report(0, 4, 3, 0), report);

        try (McpHarness mcp = harness(Toolset.SERVER_MEMORY, "migrated")) {
            Map<String, Object> read = structured(ok(mcp.call("read_graph", Map.of())));
            assertEquals(lines(sample, "entity"), new TreeSet<>(list(read.get("entities")).stream().map(e -> {
                var m = new java.util.LinkedHashMap<String, Object>();
                m.put("type", "entity");
                m.putAll(e);
                return write(m);
            }).toList()));
        }
        var out = new java.io.StringWriter();
        archive.export(out, List.of("migrated"), MemoryArchive.Format.SERVER_MEMORY);
        assertEquals(new TreeSet<>(List.of(sample.split("\n"))), new TreeSet<>(List.of(out.toString().split("\n"))));

        // importing again changes nothing
        MemoryArchive.Report again = archive.importFrom(new java.io.BufferedReader(new java.io.StringReader(sample)), "migrated", MemoryArchive.Progress.NONE);
        assertEquals(new MemoryArchive.Report(0, 0, 0, 7), again);
    }

    @Test
    void kairosExportImportsIntoAnotherGroupWithItsTimes() throws Exception {
        try (McpHarness mcp = harness(Toolset.KAIROS, "rt-src")) {
            ok(mcp.call("memory_add_episode", Map.of("content", "Yuki joined the choir.", "reference_time", "2021-09-01")));
            ok(mcp.call("memory_upsert_entity", Map.of("name", "Yuki", "types", List.of("Person"), "observations", List.of("sings tenor"))));
            ok(mcp.call("memory_add_fact", Map.of("source", "Yuki", "relation", "MEMBER_OF", "target", "Choir", "valid_at", "2021-09-01")));
            ok(mcp.call("memory_add_fact", Map.of("source", "Yuki", "relation", "MEMBER_OF", "target", "Orchestra",
                    "valid_at", "2023-01-01", "supersede", true)));
        }
        var archive = new MemoryArchive(memory.graph());
        var out = new java.io.StringWriter();
        long lines = archive.export(out, List.of("rt-src"), MemoryArchive.Format.KAIROS);
        assertTrue(lines >= 1 + 1 + 3 + 2, out.toString());
        MemoryArchive.Report report = archive.importFrom(new java.io.BufferedReader(new java.io.StringReader(out.toString())),
                "rt-dst", MemoryArchive.Progress.NONE);
        assertEquals(1, report.episodes());
        assertEquals(2, report.facts());

        var src = memory.graph().snapshot(List.of("rt-src"), 100);
        var dst = memory.graph().snapshot(List.of("rt-dst"), 100);
        assertEquals(summary(src), summary(dst));
        assertEquals(memory.graph().entityNamed("rt-src", "Yuki").orElseThrow().observations(),
                memory.graph().entityNamed("rt-dst", "Yuki").orElseThrow().observations());
        // Belief time travels too: when each fact was learned and retracted, when the rest was recorded.
        assertTrue(src.facts().stream().anyMatch(f -> f.expiredAt() != null), "the superseded fact was retracted");
        for (var f : src.facts()) {
            var twin = dst.facts().stream().filter(d -> d.fact().equals(f.fact()) && d.targetName().equals(f.targetName()))
                    .findFirst().orElseThrow();
            assertEquals(f.createdAt(), twin.createdAt(), f.fact());
            assertEquals(f.expiredAt(), twin.expiredAt(), f.fact());
        }
        assertEquals(memory.graph().episodes(List.of("rt-src"), 10).get(0).createdAt(), memory.graph().episodes(List.of("rt-dst"), 10).get(0).createdAt());
        assertEquals(memory.graph().entityNamed("rt-src", "Yuki").orElseThrow().createdAt(), memory.graph().entityNamed("rt-dst", "Yuki").orElseThrow().createdAt());

        MemoryArchive.Report again = archive.importFrom(new java.io.BufferedReader(new java.io.StringReader(out.toString())),
                "rt-dst", MemoryArchive.Progress.NONE);
        assertEquals(0, again.facts());
        assertEquals(summary(dst), summary(memory.graph().snapshot(List.of("rt-dst"), 100)));
    }

    @Test
    void exportAndImportCarryEveryEpisodeAcrossPagesAndBatches() throws Exception {
        int n = ArchiveExport.EPISODE_PAGE + 203; // more than one export page and several import batches
        java.time.Instant base = java.time.Instant.parse("2020-01-01T00:00:00Z");
        List<dev.kairos.memory.NewEpisode> eps = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++)
            eps.add(dev.kairos.memory.NewEpisode.text("many-src", "log " + i, "Entry number " + i + " of the ship's log.")
                    .withValidAt(base.plusSeconds(60L * i)));
        List<dev.kairos.memory.Episode> stored = memory.graph().addEpisodes(eps);
        assertEquals(n, stored.size());
        assertEquals("log " + (n - 1), stored.get(n - 1).name(), "same order as given");
        String last = stored.get(n - 1).uuid();
        memory.graph().addFact(dev.kairos.memory.NewFact.triplet("many-src", "Ship", "LOGGED_BY", "The ship's log is kept by Ana", "Ana")
                .fromEpisodes(List.of(last)));

        var archive = new MemoryArchive(memory.graph());
        var out = new java.io.StringWriter();
        archive.export(out, List.of("many-src"), MemoryArchive.Format.KAIROS);
        assertEquals(n, out.toString().lines().filter(l -> l.contains("\"type\":\"episode\"")).count());
        MemoryArchive.Report report = archive.importFrom(new java.io.BufferedReader(new java.io.StringReader(out.toString())),
                "many-dst", MemoryArchive.Progress.NONE);
        assertEquals(n, report.episodes());
        assertEquals(n, memory.graph().stats(List.of("many-dst")).episodes());
        var fact = memory.graph().snapshot(List.of("many-dst"), 10).facts().get(0);
        var provenance = memory.graph().episode(fact.episodes().get(0)).orElseThrow();
        assertEquals("many-dst", provenance.groupId(), "provenance points at the imported copy");
        assertEquals("log " + (n - 1), provenance.name());
    }

    @Test
    void aBadImportLineIsNamedByNumberAndField() {
        var archive = new MemoryArchive(memory.graph());
        String bad = "{\"type\":\"entity\",\"name\":\"A\",\"entityType\":\"x\",\"observations\":[]}\n"
                + "{\"type\":\"relation\",\"from\":\"A\",\"to\":\"B\"}\n";
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                archive.importFrom(new java.io.BufferedReader(new java.io.StringReader(bad)), "bad-import", MemoryArchive.Progress.NONE));
        assertTrue(e.getMessage().startsWith("line 2: relationType"), e.getMessage());
        var notJson = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () ->
                archive.importFrom(new java.io.BufferedReader(new java.io.StringReader("{oops")), "bad-import", MemoryArchive.Progress.NONE));
        assertTrue(notJson.getMessage().startsWith("line 1: not a JSON object"), notJson.getMessage());
    }

    // ---- helpers ----

    private static List<String> graphitiFacts(McpHarness mcp, Map<String, Object> args) {
        return list(map(structured(ok(mcp.call("search_memory_facts", args))).get("result")).get("facts")).stream()
                .map(f -> (String) f.get("fact")).sorted().toList();
    }

    private static List<String> summary(dev.kairos.memory.GraphSnapshot s) {
        List<String> out = new ArrayList<>();
        s.entities().forEach(e -> out.add("entity " + e.name() + " " + e.labels()));
        s.facts().forEach(f -> out.add("fact " + f.fact() + " " + f.validAt() + " " + f.invalidAt()));
        return out.stream().sorted().toList();
    }

    private static void assertValid(Map<String, Object> schema, CallToolResult r, String tool) {
        assertFalse(r.structuredContent() == null, tool + " has no structured content: " + text(r));
        var v = VALIDATOR.validate(schema, r.structuredContent());
        assertTrue(v.valid(), tool + " result does not match the anchor's output schema: " + v.errorMessage() + "\n" + r.structuredContent());
    }

    private static Map<String, Map<String, Object>> outputSchemas(List<Map<String, Object>> tools) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        tools.forEach(t -> out.put((String) t.get("name"), map(t.get("outputSchema"))));
        return out;
    }

    static List<Map<String, Object>> anchor(String file) throws IOException {
        return list(anchorDoc(file).get("tools"));
    }

    static Map<String, Object> anchorDoc(String file) throws IOException {
        try (InputStream in = CompatibilityTest.class.getResourceAsStream("/anchors/" + file)) {
            return JSON.readValue(in, new TypeReference<>() {
            });
        }
    }

    static String resource(String file) throws IOException {
        try (InputStream in = CompatibilityTest.class.getResourceAsStream("/anchors/" + file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static Set<String> lines(String jsonl, String type) {
        Set<String> out = new TreeSet<>();
        for (String l : jsonl.split("\n")) {
            if (l.contains("\"type\":\"" + type + "\"")) {
                out.add(l);
            }
        }
        return out;
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
