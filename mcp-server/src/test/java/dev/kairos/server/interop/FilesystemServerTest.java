package dev.kairos.server.interop;

import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.DownstreamServers;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.McpServersConfig;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.inference.ToolCall;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerEndpoint;
import dev.kairos.transports.ServerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code @modelcontextprotocol/server-filesystem} over stdio, allowed one temporary directory: files
 * written, read and listed through the executor, and a path outside that directory refused with an
 * error result the model can read, while the other calls of the batch go through.
 */
class FilesystemServerTest {
    @TempDir
    Path dir;

    private static String json(Path p) {
        return p.toString().replace("\\", "\\\\");
    }

    @Test
    void readsWritesAndListsInsideTheAllowedDirectoryAndRefusesAPathOutsideIt() throws Exception {
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Path secret = Files.writeString(dir.resolve("secret.txt"), "not for the model");
        ServerEndpoint.Stdio fs = NpmServer.stdio("server-filesystem", allowed.toString());
        // the file a user would write, with the node and script paths filled in
        List<McpServerSettings> settings = McpServersConfig.parse("mcp.json", """
                {"mcpServers": {"files": {"command": "%s", "args": ["%s", "%s"], "exclude": ["move_file"]}}}"""
                .formatted(json(Path.of(fs.command())), json(Path.of(fs.args().getFirst())), json(allowed)), Map.of());
        try (DownstreamServers servers = DownstreamServers.connect(settings,
                ClientOptions.defaults("test").withInitializeTimeout(Duration.ofSeconds(60)))) {
            ServerState st = servers.providers().getFirst().state();
            assertEquals(ServerState.Status.READY, st.status(), st.detail());
            ParallelToolExecutor ex = new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(60)));
            CatalogueTool read = ex.catalogue().find("read_text_file").orElseThrow();
            assertTrue(read.readOnly() && read.retryable());
            CatalogueTool edit = ex.catalogue().find("edit_file").orElseThrow();
            assertTrue(edit.descriptor().hints().isDestructive() && !edit.retryable());
            assertTrue(ex.catalogue().find("move_file").isEmpty(), "excluded");

            Path notes = allowed.resolve("notes.txt");
            List<ToolCallResult> first = ex.runAll(List.of(
                    new ToolCall("w", "write_file", "{\"path\":\"" + json(notes) + "\",\"content\":\"first line\\nsecond\"}"),
                    new ToolCall("d", "create_directory", "{\"path\":\"" + json(allowed.resolve("sub")) + "\"}"),
                    new ToolCall("x", "read_text_file", "{\"path\":\"" + json(secret) + "\"}"),
                    new ToolCall("y", "write_file", "{\"path\":\"" + json(dir.resolve("planted.txt")) + "\",\"content\":\"x\"}"),
                    new ToolCall("z", "read_text_file", "{\"path\":\"" + json(allowed.resolve("../secret.txt")) + "\"}")),
                    e -> { });
            assertEquals(ToolOutcome.OK, first.get(0).outcome(), first.get(0).text());
            assertEquals(ToolOutcome.OK, first.get(1).outcome(), first.get(1).text());
            for (ToolCallResult refused : first.subList(2, 5)) {
                assertEquals(ToolOutcome.TOOL_ERROR, refused.outcome(), refused.text());
                assertTrue(refused.text().contains("Access denied") && refused.text().contains("outside allowed directories"),
                        "the model reads why: " + refused.text());
                assertFalse(refused.text().contains("not for the model"));
            }
            assertEquals("first line\nsecond", Files.readString(notes));
            assertFalse(Files.exists(dir.resolve("planted.txt")));

            List<ToolCallResult> second = ex.runAll(List.of(
                    new ToolCall("r", "read_text_file", "{\"path\":\"" + json(notes) + "\"}"),
                    new ToolCall("h", "read_text_file", "{\"path\":\"" + json(notes) + "\",\"head\":1}"),
                    new ToolCall("l", "list_directory", "{\"path\":\"" + json(allowed) + "\"}"),
                    new ToolCall("m", "read_text_file", "{\"path\":\"" + json(allowed.resolve("missing.txt")) + "\"}")),
                    e -> { });
            assertEquals("first line\nsecond", second.get(0).text());
            assertEquals("first line\nsecond", second.get(0).structured().path("content").asText());
            assertEquals("first line", second.get(1).text());
            assertTrue(second.get(2).text().contains("[FILE] notes.txt") && second.get(2).text().contains("[DIR] sub"),
                    second.get(2).text());
            assertEquals(ToolOutcome.TOOL_ERROR, second.get(3).outcome());
            assertTrue(second.get(3).text().contains("missing.txt"), second.get(3).text());
        }
    }
}
