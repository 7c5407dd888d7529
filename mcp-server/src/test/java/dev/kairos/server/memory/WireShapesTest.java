package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The exact bytes of the memory tools' results and of the export lines, as a plain Jackson mapper (the one the
 * MCP transports use) writes them: field order, nulls and nesting. Uuids, times and scores vary from run to run, so
 * they are replaced by stable placeholders before comparing; everything else must match to the character.
 */
class WireShapesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z");
    private static final Pattern SCORE = Pattern.compile("\"score\"( ?: ?)[-0-9.Ee]+");

    @RegisterExtension
    static final TestMemory memory = new TestMemory();

    @Test
    void kairosToolResults() throws Exception {
        var tools = new Tools(Toolset.KAIROS);
        tools.expect("memory_add_episode", Map.of("content", "Ada moved to Lyon.", "group_id", "wk",
                        "reference_time", "2024-01-01T00:00:00Z"),
                "{\"episode\":{\"uuid\":\"U1\",\"group_id\":\"wk\",\"name\":\"Ada moved to Lyon.\",\"content\":\"Ada moved to Lyon.\","
                        + "\"source\":\"text\",\"source_description\":\"\",\"valid_at\":\"T\",\"created_at\":\"T\",\"extraction\":\"pending\"}}");
        tools.expect("memory_upsert_entity", Map.of("name", "Ada", "types", List.of("Person"), "group_id", "wk"),
                "{\"entity\":{\"uuid\":\"U2\",\"group_id\":\"wk\",\"name\":\"Ada\",\"types\":[\"Person\"],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\"},\"created\":true}");
        tools.expect("memory_add_fact", Map.of("source", "Ada", "relation", "LIVES_IN", "target", "Lyon", "group_id", "wk",
                        "valid_at", "2024-01-01T00:00:00Z"),
                "{\"fact\":{\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":null,\"created_at\":\"T\",\"expired_at\":null,\"episodes\":[],\"current\":true}}");
        tools.expect("memory_search_facts", Map.of("query", "Where does Ada live?", "group_ids", List.of("wk")),
                "{\"facts\":[{\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":null,\"created_at\":\"T\",\"expired_at\":null,\"episodes\":[],\"current\":true,"
                        + "\"score\":S}]}");
        tools.expect("memory_search_entities", Map.of("query", "Ada", "group_ids", List.of("wk"), "limit", 1),
                "{\"entities\":[{\"uuid\":\"U2\",\"group_id\":\"wk\",\"name\":\"Ada\",\"types\":[\"Person\"],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\",\"score\":S}]}");
        tools.expect("memory_search_episodes", Map.of("query", "Lyon", "group_ids", List.of("wk")),
                "{\"episodes\":[{\"uuid\":\"U1\",\"group_id\":\"wk\",\"name\":\"Ada moved to Lyon.\",\"content\":\"Ada moved to Lyon.\","
                        + "\"source\":\"text\",\"source_description\":\"\",\"valid_at\":\"T\",\"created_at\":\"T\",\"extraction\":\"pending\","
                        + "\"score\":S}]}");
        tools.expect("memory_timeline", Map.of("entity_name", "Ada", "group_id", "wk"),
                "{\"entity\":{\"uuid\":\"U2\",\"group_id\":\"wk\",\"name\":\"Ada\",\"types\":[\"Person\"],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\"},"
                        + "\"facts\":[{\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":null,\"created_at\":\"T\",\"expired_at\":null,\"episodes\":[],\"current\":true}]}");
        tools.expectResource("memory://entity/" + tools.uuid("U2"),
                "{\"uuid\":\"U2\",\"group_id\":\"wk\",\"name\":\"Ada\",\"types\":[\"Person\"],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\","
                        + "\"facts\":[{\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":null,\"created_at\":\"T\",\"expired_at\":null,\"episodes\":[],\"current\":true}]}");
        tools.expectResource("memory://episode/" + tools.uuid("U1"),
                "{\"uuid\":\"U1\",\"group_id\":\"wk\",\"name\":\"Ada moved to Lyon.\",\"content\":\"Ada moved to Lyon.\","
                        + "\"source\":\"text\",\"source_description\":\"\",\"valid_at\":\"T\",\"created_at\":\"T\","
                        + "\"extraction\":\"pending\",\"entities\":[]}");
        tools.expect("memory_neighbourhood", Map.of("entity_name", "Ada", "group_id", "wk"),
                "{\"centre\":{\"uuid\":\"U2\",\"group_id\":\"wk\",\"name\":\"Ada\",\"types\":[\"Person\"],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\"},"
                        + "\"entities\":[{\"entity\":{\"uuid\":\"U4\",\"group_id\":\"wk\",\"name\":\"Lyon\",\"types\":[],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\"},\"hops\":1}],"
                        + "\"facts\":[{\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":null,\"created_at\":\"T\",\"expired_at\":null,\"episodes\":[],\"current\":true}]}");
        tools.expect("memory_status", Map.of("group_ids", List.of("wk")),
                "{\"state\":\"ready\",\"detail\":\"D\",\"groups\":[\"wk\"],\"database\":\"neo4j\",\"embedder\":\"E\",\"dimension\":384,"
                        + "\"schema_version\":V,\"counts\":{\"episodes\":1,\"pending_episodes\":1,\"entities\":2,\"facts\":1,\"current_facts\":1},"
                        + "\"ingestion\":{\"pending\":1,\"processing\":0,\"done\":0,\"failed\":0,"
                        + "\"model\":\"extraction is off (memory.extraction.enabled is false)\",\"failed_episodes\":[]}}");
        tools.expectExport(MemoryArchive.Format.KAIROS, List.of("wk"),
                "{\"type\":\"kairos\",\"version\":1,\"exported_at\":\"T\",\"groups\":[\"wk\"]}\n"
                        + "{\"type\":\"episode\",\"uuid\":\"U1\",\"group_id\":\"wk\",\"name\":\"Ada moved to Lyon.\",\"content\":\"Ada moved to Lyon.\","
                        + "\"source\":\"text\",\"source_description\":\"\",\"valid_at\":\"T\",\"created_at\":\"T\",\"extraction\":\"pending\"}\n"
                        + "{\"type\":\"entity\",\"uuid\":\"U2\",\"group_id\":\"wk\",\"name\":\"Ada\",\"types\":[\"Person\"],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\"}\n"
                        + "{\"type\":\"entity\",\"uuid\":\"U4\",\"group_id\":\"wk\",\"name\":\"Lyon\",\"types\":[],\"summary\":\"\","
                        + "\"observations\":[],\"attributes\":{},\"created_at\":\"T\"}\n"
                        + "{\"type\":\"fact\",\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":null,\"created_at\":\"T\",\"expired_at\":null,\"episodes\":[]}");
        tools.expectImport(MemoryArchive.Format.KAIROS, List.of("wk"), "wk2",
                "{\"format\":\"kairos\",\"groups\":[\"wk2\"],\"lines\":5,\"episodes\":1,\"entities\":2,\"facts\":1,\"skipped\":0}");
        tools.expect("memory_invalidate_fact", Map.of("uuid", tools.uuid("U3"), "invalid_at", "2024-06-01T00:00:00Z"),
                "{\"fact\":{\"uuid\":\"U3\",\"group_id\":\"wk\",\"name\":\"LIVES_IN\",\"fact\":\"Ada LIVES_IN Lyon\","
                        + "\"source\":{\"uuid\":\"U2\",\"name\":\"Ada\"},\"target\":{\"uuid\":\"U4\",\"name\":\"Lyon\"},"
                        + "\"valid_at\":\"T\",\"invalid_at\":\"T\",\"created_at\":\"T\",\"expired_at\":\"T\",\"episodes\":[],\"current\":false}}");
        tools.expect("memory_delete", Map.of("kind", "fact", "uuid", tools.uuid("U3")),
                "{\"deleted\":{\"episodes\":0,\"entities\":0,\"facts\":1}}");
        tools.expect("memory_clear_group", Map.of("group_id", "wk"),
                "{\"group_id\":\"wk\",\"deleted\":{\"episodes\":1,\"entities\":2,\"facts\":0}}");
        tools.assertAllMatched();
    }

    @Test
    void graphitiToolResults() throws Exception {
        var tools = new Tools(Toolset.GRAPHITI);
        tools.expect("add_memory", Map.of("name", "note", "episode_body", "Bo fixed the roof.", "group_id", "wg"),
                "{\"result\":{\"message\":\"Episode 'note' queued for processing in group 'wg'\"}}");
        tools.expect("add_triplet", Map.of("source_node_name", "Bo", "edge_name", "FIXED", "fact", "Bo fixed the roof",
                        "target_node_name", "Roof", "group_id", "wg"),
                "{\"result\":{\"message\":\"Triplet 'Bo -[FIXED]-> Roof' added\","
                        + "\"nodes\":[{\"uuid\":\"U1\",\"name\":\"Bo\",\"labels\":[\"Entity\"],\"created_at\":\"T\",\"summary\":\"\","
                        + "\"group_id\":\"wg\",\"attributes\":{}},{\"uuid\":\"U2\",\"name\":\"Roof\",\"labels\":[\"Entity\"],"
                        + "\"created_at\":\"T\",\"summary\":\"\",\"group_id\":\"wg\",\"attributes\":{}}],"
                        + "\"edges\":[{\"uuid\":\"U3\",\"name\":\"FIXED\",\"fact\":\"Bo fixed the roof\",\"source_node_uuid\":\"U1\","
                        + "\"target_node_uuid\":\"U2\",\"group_id\":\"wg\",\"created_at\":\"T\",\"valid_at\":null,\"invalid_at\":null}]}}");
        tools.expect("search_nodes", Map.of("query", "Bo", "group_ids", List.of("wg"), "max_nodes", 1),
                "{\"result\":{\"message\":\"Nodes retrieved successfully\",\"nodes\":[{\"uuid\":\"U1\",\"name\":\"Bo\","
                        + "\"labels\":[\"Entity\"],\"created_at\":\"T\",\"summary\":\"\",\"group_id\":\"wg\",\"attributes\":{}}]}}");
        String factDump = "{\"uuid\":\"U3\",\"group_id\":\"wg\",\"source_node_uuid\":\"U1\",\"target_node_uuid\":\"U2\","
                + "\"created_at\":\"T\",\"name\":\"FIXED\",\"fact\":\"Bo fixed the roof\",\"episodes\":[],\"expired_at\":null,"
                + "\"valid_at\":null,\"invalid_at\":null,\"attributes\":{}}";
        tools.expect("search_memory_facts", Map.of("query", "roof", "group_ids", List.of("wg")),
                "{\"result\":{\"message\":\"Facts retrieved successfully\",\"facts\":[" + factDump + "]}}");
        tools.expect("get_entity_edge", Map.of("uuid", tools.uuid("U3")), "{\"result\":" + factDump + "}");
        tools.expect("get_episodes", Map.of("group_ids", List.of("wg")),
                "{\"result\":{\"message\":\"Episodes retrieved successfully\",\"episodes\":[{\"uuid\":\"U4\",\"name\":\"note\","
                        + "\"content\":\"Bo fixed the roof.\",\"created_at\":\"T\",\"source\":\"text\",\"source_description\":\"\","
                        + "\"group_id\":\"wg\"}]}}");
        tools.expect("get_episode_entities", Map.of("episode_uuids", List.of(tools.uuid("U4"))),
                "{\"result\":{\"message\":\"Retrieved provenance for 1 episode(s)\",\"nodes\":[],\"edges\":[]}}");
        tools.expect("get_status", Map.of(),
                "{\"status\":\"ok\",\"message\":\"Kairos memory server is running and connected to neo4j database "
                        + "'neo4j' (embedded); extraction: extraction is off (memory.extraction.enabled is false)\"}");
        tools.expect("search_nodes", Map.of("query", "nobody at all", "group_ids", List.of("empty")),
                "{\"result\":{\"message\":\"No relevant nodes found\",\"nodes\":[]}}");
        tools.expect("delete_entity_edge", Map.of("uuid", tools.uuid("U3")),
                "{\"result\":{\"message\":\"Entity edge with UUID U3 deleted successfully\"}}");
        tools.expect("clear_graph", Map.of("group_ids", List.of("wg")),
                "{\"result\":{\"message\":\"Graph data cleared successfully for group IDs: wg\"}}");
        tools.assertAllMatched();
    }

    @Test
    void serverMemoryToolResults() throws Exception {
        var tools = new Tools(Toolset.SERVER_MEMORY);
        tools.expect("create_entities", Map.of("entities", List.of(Map.of("name", "Cy", "entityType", "person",
                        "observations", List.of("likes tea")))),
                "{\"entities\":[{\"name\":\"Cy\",\"entityType\":\"person\",\"observations\":[\"likes tea\"]}]}");
        tools.expect("create_relations", Map.of("relations", List.of(Map.of("from", "Cy", "to", "Tea", "relationType", "likes"))),
                "{\"relations\":[{\"from\":\"Cy\",\"to\":\"Tea\",\"relationType\":\"likes\"}]}");
        tools.expect("add_observations", Map.of("observations", List.of(Map.of("entityName", "Cy", "contents", List.of("owns a cat")))),
                "{\"results\":[{\"entityName\":\"Cy\",\"addedObservations\":[\"owns a cat\"]}]}");
        String graphJson = "{\"entities\":[{\"name\":\"Cy\",\"entityType\":\"person\",\"observations\":[\"likes tea\",\"owns a cat\"]},"
                + "{\"name\":\"Tea\",\"entityType\":\"\",\"observations\":[]}],"
                + "\"relations\":[{\"from\":\"Cy\",\"to\":\"Tea\",\"relationType\":\"likes\"}]}";
        tools.expect("read_graph", Map.of(), graphJson);
        tools.expect("search_nodes", Map.of("query", "cat"),
                "{\"entities\":[{\"name\":\"Cy\",\"entityType\":\"person\",\"observations\":[\"likes tea\",\"owns a cat\"]}],"
                        + "\"relations\":[{\"from\":\"Cy\",\"to\":\"Tea\",\"relationType\":\"likes\"}]}");
        tools.expect("open_nodes", Map.of("names", List.of("Cy", "Tea")), graphJson);
        tools.expectExport(MemoryArchive.Format.SERVER_MEMORY, List.of("default"),
                "{\"type\":\"entity\",\"name\":\"Cy\",\"entityType\":\"person\",\"observations\":[\"likes tea\",\"owns a cat\"]}\n"
                        + "{\"type\":\"entity\",\"name\":\"Tea\",\"entityType\":\"\",\"observations\":[]}\n"
                        + "{\"type\":\"relation\",\"from\":\"Cy\",\"to\":\"Tea\",\"relationType\":\"likes\"}");
        tools.expect("delete_observations", Map.of("deletions", List.of(Map.of("entityName", "Cy", "observations", List.of("owns a cat")))),
                "{\"success\":true,\"message\":\"Observations deleted successfully\"}");
        tools.expect("delete_relations", Map.of("relations", List.of(Map.of("from", "Cy", "to", "Tea", "relationType", "likes"))),
                "{\"success\":true,\"message\":\"Relations deleted successfully\"}");
        tools.expect("delete_entities", Map.of("entityNames", List.of("Cy", "Tea")),
                "{\"success\":true,\"message\":\"Entities deleted successfully\"}");
        tools.assertAllMatched();
    }

    /** One toolset called in-process, with the uuids it hands out numbered in order of first appearance. */
    private static final class Tools {
        private final Map<String, SyncToolSpecification> specs = new LinkedHashMap<>();
        private final List<SyncResourceTemplateSpecification> templates;
        private final Map<String, String> placeholders = new LinkedHashMap<>();
        private final List<String> mismatches = new java.util.ArrayList<>();

        Tools(Toolset toolset) {
            MemoryTools tools = MemoryTools.create(memory.graph(), toolset, "default", uri -> { });
            tools.tools().forEach(s -> specs.put(s.tool().name(), s));
            templates = tools.resourceTemplates();
        }

        /** The real uuid behind a placeholder seen earlier. */
        String uuid(String placeholder) {
            return placeholders.entrySet().stream().filter(e -> e.getValue().equals(placeholder)).findFirst().orElseThrow().getKey();
        }

        void expect(String tool, Map<String, Object> args, String expected) throws Exception {
            CallToolResult r = specs.get(tool).callHandler().apply(null, new McpSchema.CallToolRequest(tool, args));
            assertFalse(Boolean.TRUE.equals(r.isError()), () -> tool + ": " + r.content());
            check(tool, expected, normalise(JSON.writeValueAsString(r.structuredContent())));
        }

        /** A resource's text (pretty JSON) written compactly again; Jackson keeps the field order when it reads. */
        void expectResource(String uri, String expected) throws Exception {
            var template = templates.stream()
                    .filter(t -> uri.startsWith(t.resourceTemplate().uriTemplate().replace("{uuid}", ""))).findFirst().orElseThrow();
            var read = template.readHandler().apply(null, new McpSchema.ReadResourceRequest(uri));
            String text = ((McpSchema.TextResourceContents) read.contents().getFirst()).text();
            check(uri, expected, normalise(JSON.writeValueAsString(JSON.readTree(text))));
        }

        void expectExport(MemoryArchive.Format format, List<String> groups, String expected) throws Exception {
            var out = new StringWriter();
            new MemoryArchive(memory.graph()).export(out, groups, format);
            check("export " + format, expected, normalise(out.toString()));
        }

        /** What {@code memory_import} answers for an export of {@code groups} imported into {@code group}. */
        void expectImport(MemoryArchive.Format format, List<String> groups, String group, String expected) throws Exception {
            var out = new StringWriter();
            new MemoryArchive(memory.graph()).export(out, groups, format);
            expect("memory_import", Map.of("archive", out.toString(), "group_id", group), expected);
        }

        /** Notes a mismatch and goes on, so one run shows every difference. */
        private void check(String what, String expected, String actual) {
            if (!expected.equals(actual)) {
                mismatches.add(what + "\n  expected: " + expected + "\n  actual:   " + actual);
            }
        }

        void assertAllMatched() {
            assertEquals(List.of(), mismatches, () -> String.join("\n", mismatches));
        }

        private String normalise(String json) {
            Matcher m = UUID.matcher(json);
            StringBuilder b = new StringBuilder();
            while (m.find()) {
                String id = placeholders.computeIfAbsent(m.group(), k -> "U" + (placeholders.size() + 1));
                m.appendReplacement(b, id);
            }
            m.appendTail(b);
            return SCORE.matcher(TIME.matcher(b.toString()).replaceAll("T")).replaceAll("\"score\"$1S")
                    .replaceAll("\"detail\":\"[^\"]*\"", "\"detail\":\"D\"")
                    .replaceAll("\"embedder\":\"[^\"]*\"", "\"embedder\":\"E\"")
                    .replaceAll("\"schema_version\":\\d+", "\"schema_version\":V");
        }
    }
}
