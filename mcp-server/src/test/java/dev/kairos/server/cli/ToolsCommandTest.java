package dev.kairos.server.cli;

import dev.kairos.server.testing.KairosProcess;
import dev.kairos.server.testing.ServedKairos;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kairos tools list|call} against Kairos itself as the downstream server: {@code kairos serve} and {@code kairos mcp}. */
class ToolsCommandTest {
    @RegisterExtension
    static final ServedKairos served = ServedKairos.serve().withEnv(KairosProcess.NO_MEMORY);

    @TempDir
    Path dir;

    @Test
    void callsAToolOfAServerGivenByUrl() throws Exception {
        FsmCommandTest.Run r = FsmCommandTest.kairos("tools", "call", "kairos_status", "--args", "{}",
                "--url", served.baseUrl() + "/mcp");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("memory"), r.out());
    }

    @Test
    void listsTheToolsOfAStdioServerAndReportsOneThatCannotStart() throws Exception {
        List<String> cmd = KairosProcess.command("mcp");
        StringBuilder args = new StringBuilder();
        for (String a : cmd.subList(1, cmd.size())) {
            args.append(args.isEmpty() ? "" : ",").append('"').append(a.replace("\\", "\\\\")).append('"');
        }
        Path file = dir.resolve("mcp.json");
        Files.writeString(file, """
                {"mcpServers": {
                  "self": {"command": "%s", "args": [%s], "env": {"KAIROS_MEMORY_MODE": "off", "KAIROS_DATA_DIR": "%s"}},
                  "broken": {"command": "/no/such/mcp-server"}
                }}""".formatted(cmd.getFirst(), args, dir.resolve("data")));
        FsmCommandTest.Run r = FsmCommandTest.kairos("tools", "list", "--mcp-config", file.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("kairos_status"), r.out());
        assertTrue(r.out().contains("broken") && r.out().contains("FAILED") && r.out().contains("/no/such/mcp-server"), r.out());
        FsmCommandTest.Run json = FsmCommandTest.kairos("tools", "list", "--json", "--mcp-config", file.toString());
        assertTrue(json.out().contains("\"name\" : \"kairos_status\""), json.out());
    }

    @Test
    void elicitationIsAnsweredWithTheSchemaDefaultsOnlyWithAcceptDefaults() throws Exception {
        // no terminal here (stdin is a pipe), so only --accept-defaults can accept
        try (KairosProcess serve = KairosProcess.serve(KairosProcess.NO_MEMORY, "--conformance-fixtures")) {
            String url = serve.baseUrl() + "/mcp";
            FsmCommandTest.Run yes = FsmCommandTest.kairos("tools", "call", "test_elicitation_sep1034_defaults",
                    "--accept-defaults", "--url", url);
            assertEquals(0, yes.exit(), yes.err());
            assertTrue(yes.out().contains("action=accept") && yes.out().contains("\"name\":\"John Doe\"")
                    && yes.out().contains("\"age\":30") && yes.out().contains("\"verified\":true"), yes.out());
            FsmCommandTest.Run no = FsmCommandTest.kairos("tools", "call", "test_elicitation_sep1034_defaults", "--url", url);
            assertTrue(no.out().contains("action=decline"), no.out());
            assertTrue(no.err().contains("declined the server's question (no terminal"), no.err());
            FsmCommandTest.Run required = FsmCommandTest.kairos("tools", "call", "test_elicitation",
                    "--args", "{\"message\":\"Who are you?\"}", "--accept-defaults", "--url", url);
            assertTrue(required.out().contains("action=decline"), "required fields without defaults: " + required.out());
            assertTrue(required.err().contains("no default for the required username, email): Who are you?"), required.err());
        }
    }

    @Test
    void badInputGetsOneLine() throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"servers\": {\"x\": {\"type\": \"grpc\", \"url\": \"http://h\"}}}");
        FsmCommandTest.Run r = FsmCommandTest.kairos("tools", "list", "--mcp-config", file.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(file + ": servers.x.type: unknown type 'grpc'"), r.err());
        Path empty = dir.resolve("kairos.yaml");
        Files.writeString(empty, "memory: {mode: off}\n");
        FsmCommandTest.Run none = FsmCommandTest.kairos("tools", "call", "x", "-c", empty.toString());
        assertTrue(none.err().contains("no MCP servers"), none.err());
    }
}
