package dev.kairos.agent;

import dev.kairos.transports.ServerEndpoint;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class McpServersConfigTest {
    private static List<McpServerSettings> parse(String json, Map<String, String> env) {
        return McpServersConfig.parse("mcp.json", json, env);
    }

    private static String error(String json) {
        return assertThrows(IllegalArgumentException.class, () -> parse(json, Map.of())).getMessage();
    }

    @Test
    void readsClaudeDesktopShapeWithVariablesAndKairosKeys() {
        List<McpServerSettings> s = parse("""
                {"mcpServers": {
                  "files": {"command": "npx", "args": ["-y", "server-filesystem", "${env:HOME}"],
                            "env": {"TOKEN": "${SECRET}"}, "cwd": "/tmp",
                            "timeout": "5s", "max_concurrency": 2, "retry": ["read"], "confirm": ["write"],
                            "exclude": ["delete"]},
                  "web": {"url": "http://127.0.0.1:9/mcp", "headers": {"Authorization": "Bearer ${env:SECRET}"},
                          "timeout": {"fetch": 90000, "*": "10s"}, "enabled": false}
                }}""", Map.of("HOME", "/home/u", "SECRET", "s3"));
        McpServerSettings files = s.getFirst();
        assertEquals(new ServerEndpoint.Stdio("npx", List.of("-y", "server-filesystem", "/home/u"), Map.of("TOKEN", "s3"),
                Path.of("/tmp")), files.endpoint());
        assertEquals(Duration.ofSeconds(5), files.timeoutFor("read", Duration.ofSeconds(60)));
        assertEquals(2, files.maxConcurrency());
        assertTrue(files.retry().contains("read") && files.confirm().contains("write"));
        assertFalse(files.offers("delete"));
        McpServerSettings web = s.get(1);
        assertEquals(new ServerEndpoint.Http("http://127.0.0.1:9/mcp", Map.of("Authorization", "Bearer s3"),
                ServerEndpoint.HttpKind.AUTO), web.endpoint());
        assertEquals(Duration.ofSeconds(90), web.timeoutFor("fetch", Duration.ZERO));
        assertEquals(Duration.ofSeconds(10), web.timeoutFor("other", Duration.ZERO));
        assertFalse(web.enabled());
    }

    @Test
    void readsVsCodeShape() {
        List<McpServerSettings> s = parse("""
                {"servers": {"a": {"type": "sse", "url": "http://h/sse"}, "b": {"type": "stdio", "command": "x"},
                             "c": {"type": "http", "url": "https://h/mcp"}}}""", Map.of());
        assertEquals(ServerEndpoint.HttpKind.SSE, ((ServerEndpoint.Http) s.get(0).endpoint()).kind());
        assertTrue(s.get(1).endpoint() instanceof ServerEndpoint.Stdio);
        assertEquals(ServerEndpoint.HttpKind.AUTO, ((ServerEndpoint.Http) s.get(2).endpoint()).kind());
    }

    @Test
    void badInputNamesFileServerAndKey() {
        assertTrue(error("{\"mcpServers\": {").startsWith("mcp.json: not valid JSON"), error("{\"mcpServers\": {"));
        assertEquals("mcp.json: servers.a.type: unknown type 'grpc'; use stdio, http or sse",
                error("{\"servers\": {\"a\": {\"type\": \"grpc\", \"url\": \"http://x\"}}}"));
        assertEquals("mcp.json: servers.a.command: missing: a stdio server needs the command that starts it",
                error("{\"servers\": {\"a\": {\"type\": \"stdio\"}}}"));
        assertEquals("mcp.json: servers.a.url: missing: an sse server needs its URL",
                error("{\"servers\": {\"a\": {\"type\": \"sse\"}}}"));
        assertEquals("mcp.json: mcpServers.a: needs 'command' (a stdio server) or 'url' (an HTTP server)",
                error("{\"mcpServers\": {\"a\": {\"args\": []}}}"));
        assertEquals("mcp.json: mcpServers.a.env.KEY: environment variable NOPE_NOT_SET is not set",
                error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\"KEY\": \"${env:NOPE_NOT_SET}\"}}}}"));
        assertTrue(error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"timeout\": \"soon\"}}}")
                .startsWith("mcp.json: mcpServers.a.timeout: 'soon' is not a duration"));
        assertTrue(error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"max_concurrency\": 0}}}")
                .startsWith("mcp.json: mcpServers.a.max_concurrency:"));
        assertTrue(error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"comand\": \"y\"}}}")
                .startsWith("mcp.json: mcpServers.a.comand: unknown key"));
        assertTrue(error("[1]").startsWith("mcp.json: the top level must be a JSON object"));
    }

    @Test
    void includeKeepsOnlyTheListedToolsAndExcludeStillApplies() {
        McpServerSettings s = parse("""
                {"mcpServers": {"files": {"command": "x", "include": ["read_file", "${TOOL}", "delete"],
                                          "exclude": ["delete"]}}}""", Map.of("TOOL", "write_file")).getFirst();
        assertEquals(List.of("read_file", "write_file", "delete"), s.include());
        assertTrue(s.offers("read_file") && s.offers("write_file"));
        assertFalse(s.offers("list_directory"), "a tool not in include is left out");
        assertFalse(s.offers("delete"), "exclude wins over include");
        assertTrue(parse("{\"mcpServers\": {\"a\": {\"command\": \"x\"}}}", Map.of()).getFirst().offers("anything"),
                "no include: every tool");
        assertEquals("mcp.json: mcpServers.a.include: must be a list of strings",
                error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"include\": \"read_file\"}}}"));
        assertEquals("mcp.json: mcpServers.a.include[1]: must be a string, got 2",
                error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"include\": [\"r\", 2]}}}"));
        assertEquals("mcp.json: mcpServers.a.include[0]: environment variable NOPE_NOT_SET is not set",
                error("{\"mcpServers\": {\"a\": {\"command\": \"x\", \"include\": [\"${env:NOPE_NOT_SET}\"]}}}"));
    }

    @Test
    void aMissingFileIsNamed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = dir.resolve("none.json");
        assertEquals(f + ": no such file", assertThrows(IllegalArgumentException.class,
                () -> McpServersConfig.load(f)).getMessage());
        Files.writeString(f, "{\"mcpServers\": {}}");
        assertEquals(List.of(), McpServersConfig.load(f));
    }
}
