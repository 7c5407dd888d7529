package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.server.testing.ServedKairos;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MCP Inspector CLI ({@code @modelcontextprotocol/inspector --cli}) as a real client of Kairos:
 * {@code tools/list} and {@code tools/call} over stdio, Streamable HTTP ({@code /mcp}) and legacy SSE ({@code /sse}).
 */
class InspectorCliTest {

    @TempDir
    static Path home;
    @RegisterExtension
    static final ServedKairos kairos = ServedKairos.serve("--conformance-fixtures").withEnv(KairosProcess.NO_MEMORY);

    @BeforeAll
    static void needsTheInspector() {
        NodeTools.npmBin("mcp-inspector"); // skip (or fail under ./kairos test) before starting anything
    }

    @Test
    void toolsOverStdio() throws Exception {
        List<String> target = KairosProcess.command("mcp", "--conformance-fixtures");
        assertListsAndEchoes(target, "over stdio");
    }

    @Test
    void toolsOverStreamableHttp() throws Exception {
        assertListsAndEchoes(List.of(kairos.baseUrl() + "/mcp"), "over /mcp");
    }

    @Test
    void toolsOverLegacySse() throws Exception {
        assertListsAndEchoes(List.of(kairos.baseUrl() + "/sse"), "over /sse");
    }

    private static void assertListsAndEchoes(List<String> target, String message) throws Exception {
        JsonNode list = inspector(target, "--method", "tools/list");
        List<String> names = StreamSupport.stream(list.path("result").path("tools").spliterator(), false)
                .map(t -> t.path("name").asText()).toList();
        assertTrue(names.contains("echo") && names.contains("test_simple_text"), "tools/list: " + names);

        JsonNode call = inspector(target, "--method", "tools/call", "--tool-name", "echo", "--tool-arg", "message=" + message);
        JsonNode result = call.path("result");
        assertEquals(message, result.path("content").path(0).path("text").asText(), "tools/call: " + call);
        assertTrue(!result.path("isError").asBoolean(false), "tools/call: " + call);
    }

    private static JsonNode inspector(List<String> target, String... options) throws Exception {
        return new InspectorCli(home, java.time.Duration.ofSeconds(90)).run(target, KairosProcess.NO_MEMORY, options);
    }
}
