package dev.kairos.server.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The MCP Inspector CLI ({@code @modelcontextprotocol/inspector --cli}) as a real client of Kairos:
 * {@code tools/list} and {@code tools/call} over stdio, Streamable HTTP ({@code /mcp}) and legacy SSE ({@code /sse}).
 */
class InspectorCliTest {
    private static final long CALL_TIMEOUT_S = 90;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path home;
    private static KairosProcess kairos;

    @BeforeAll
    static void startKairos() throws Exception {
        NodeTools.npmBin("mcp-inspector"); // skip (or fail under ./kairos test) before starting anything
        kairos = KairosProcess.serve(KairosProcess.NO_MEMORY, "--conformance-fixtures");
    }

    @AfterAll
    static void stopKairos() {
        if (kairos != null) {
            kairos.close();
        }
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

    /** Runs the Inspector CLI once (options, then {@code --}, then the server command or URL); returns its JSON. */
    private static JsonNode inspector(List<String> target, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--cli"));
        args.addAll(List.of(options));
        // Generous connect timeout: on a loaded 2-core CI machine a JVM start can exceed the default 15 s.
        args.addAll(List.of("--format", "json", "--connect-timeout", "90000"));
        if (!target.getFirst().startsWith("http")) {
            // The Inspector passes only a minimal environment to stdio servers; protocol tests need no memory.
            args.addAll(List.of("-e", "KAIROS_MEMORY_MODE=off"));
        }
        args.add("--");
        args.addAll(target);
        Path out = Files.createTempFile(home, "inspector", ".out");
        Path err = Files.createTempFile(home, "inspector", ".err");
        ProcessBuilder pb = new ProcessBuilder(NodeTools.npmBin("mcp-inspector", args.toArray(String[]::new)))
                .directory(home.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("HOME", home.toString()); // Inspector writes ~/.mcp-inspector
        Process p = pb.start();
        if (!p.waitFor(CALL_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("Inspector CLI still running after " + CALL_TIMEOUT_S + " s: " + args + "\n" + read(err));
        }
        String stdout = read(out);
        assertEquals(0, p.exitValue(), "Inspector CLI " + args + " exit code\nstdout: " + stdout + "\nstderr: " + read(err));
        try {
            return JSON.readTree(stdout);
        } catch (IOException e) {
            throw new AssertionError("Inspector CLI printed no JSON: " + stdout + "\nstderr: " + read(err), e);
        }
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }
}
