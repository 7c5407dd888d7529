package dev.kairos.agent.testserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A stdio MCP server that misbehaves on command, for fault tests: its tools sleep, wait for a file,
 * fail, answer with a JSON-RPC error, hang, exit, write garbage to stdout, or return a huge result.
 * It writes each {@code notifications/cancelled} it receives to the file named by {@code CANCEL_LOG}, and the
 * name of each tool call as it starts to the file named by {@code CALL_LOG} (evidence for a test that a call is in flight).
 * {@code add_tool} adds a tool to its list and sends {@code notifications/tools/list_changed}.
 *
 * <p>It speaks JSON-RPC lines itself rather than through the SDK server: the SDK server gives a
 * tool no way to see {@code notifications/cancelled} and cannot be told to corrupt its own stdout.
 * {@code MODE=silent} makes it never answer {@code initialize}. {@code MODE=stateless} makes it a server
 * of MCP 2026-07-28 instead: it answers {@code server/discover}, refuses a request whose {@code _meta}
 * lacks the version or the client's capabilities, gives {@code tools/list} a long {@code ttlMs}, and
 * sends {@code tools/list_changed} only on an open {@code subscriptions/listen} stream; {@code end_listen}
 * and {@code cancel_listen} end that stream (with its final result, or with {@code notifications/cancelled},
 * the revision's stdio signal) and add a tool without telling anyone.
 */
public final class FaultyServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.List<String> ADDED = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static final String REVISION = "2026-07-28";
    private static volatile boolean stateless;
    private static volatile JsonNode listening;
    private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
            StandardCharsets.UTF_8);

    public static void main(String[] args) throws Exception {
        System.setOut(System.err);
        boolean silent = "silent".equals(System.getenv("MODE"));
        stateless = "stateless".equals(System.getenv("MODE"));
        String cancelLog = System.getenv("CANCEL_LOG");
        String callLog = System.getenv("CALL_LOG");
        System.err.println("faulty server started");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            JsonNode msg = JSON.readTree(line);
            String method = msg.path("method").asText();
            JsonNode id = msg.get("id");
            JsonNode meta = msg.path("params").path("_meta");
            if (stateless && id != null && (!REVISION.equals(meta.path("io.modelcontextprotocol/protocolVersion").asText())
                    || !meta.path("io.modelcontextprotocol/clientCapabilities").isObject())) {
                error(id, -32602, "params._meta must carry the protocol version " + REVISION + " and the client capabilities");
                continue;
            }
            switch (method) {
                case "server/discover" -> {
                    if (!stateless) {
                        error(id, -32601, "method not found: " + method);
                        continue;
                    }
                    ObjectNode r = JSON.createObjectNode();
                    r.putArray("supportedVersions").add(REVISION);
                    r.putObject("capabilities").putObject("tools").put("listChanged", true);
                    r.put("ttlMs", 60_000).put("cacheScope", "public").put("resultType", "complete");
                    r.putObject("_meta").putObject("io.modelcontextprotocol/serverInfo").put("name", "faulty").put("version", "1");
                    reply(id, r);
                }
                case "subscriptions/listen" -> {
                    listening = id;
                    ObjectNode ack = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/subscriptions/acknowledged");
                    ack.putObject("params").putObject("_meta").set("io.modelcontextprotocol/subscriptionId", id);
                    write(ack);
                }
                case "initialize" -> {
                    if (!silent) {
                        ObjectNode r = JSON.createObjectNode();
                        r.put("protocolVersion", msg.path("params").path("protocolVersion").asText("2025-06-18"));
                        r.putObject("capabilities").putObject("tools").put("listChanged", true);
                        r.putObject("serverInfo").put("name", "faulty").put("version", "1");
                        reply(id, r);
                    }
                }
                case "ping" -> reply(id, JSON.createObjectNode());
                case "tools/list" -> {
                    ObjectNode r = JSON.createObjectNode();
                    r.set("tools", tools());
                    if (stateless) {
                        // long enough that only the listen stream can bring a change within a test
                        r.put("ttlMs", 600_000).put("cacheScope", "public").put("resultType", "complete");
                    }
                    reply(id, r);
                }
                case "tools/call" -> {
                    if (callLog != null) {
                        Files.writeString(Path.of(callLog), msg.path("params").path("name").asText() + "\n",
                                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                    Thread.ofVirtual().start(() -> call(id, msg.path("params")));
                }
                case "notifications/cancelled" -> {
                    System.err.println("cancelled " + msg.path("params").path("requestId"));
                    if (cancelLog != null) {
                        Files.writeString(Path.of(cancelLog), msg.path("params").path("requestId").asText() + "\n",
                                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    }
                }
                default -> {
                    if (id != null) {
                        error(id, -32601, "method not found: " + method);
                    }
                }
            }
        }
    }

    private static ArrayNode tools() {
        ArrayNode a = JSON.createArrayNode();
        tool(a, "echo", "Returns its text.", "text", "string", true);
        tool(a, "sleep", "Sleeps ms milliseconds.", "ms", "integer", true);
        tool(a, "await_file", "Returns once the file at path exists.", "path", "string", true);
        tool(a, "fail", "Returns an error result.", null, null, false);
        tool(a, "error", "Answers with a JSON-RPC error.", null, null, false);
        tool(a, "hang", "Never answers.", null, null, false);
        tool(a, "exit", "Exits the process.", "code", "integer", false);
        tool(a, "garbage", "Writes a line that is not JSON to stdout, then answers.", null, null, false);
        tool(a, "huge", "Returns chars characters.", "chars", "integer", true);
        tool(a, "progress", "Reports progress twice, then answers.", null, null, true);
        tool(a, "structured", "Returns structured content.", null, null, true);
        tool(a, "add_tool", "Adds a tool of this name, then sends tools/list_changed.", "name", "string", false);
        tool(a, "end_listen", "Ends the listen stream with its result, then adds a tool of this name silently.", "name", "string", false);
        tool(a, "cancel_listen", "Ends the listen stream with notifications/cancelled, then adds a tool silently.", "name", "string", false);
        ADDED.forEach(n -> tool(a, n, "A tool added while running.", null, null, true));
        return a;
    }

    private static void tool(ArrayNode a, String name, String description, String arg, String type, boolean readOnly) {
        ObjectNode t = a.addObject().put("name", name).put("description", description);
        ObjectNode schema = t.putObject("inputSchema").put("type", "object");
        if (arg != null) {
            schema.putObject("properties").putObject(arg).put("type", type);
        }
        t.putObject("annotations").put("readOnlyHint", readOnly);
    }

    private static void call(JsonNode id, JsonNode params) {
        JsonNode args = params.path("arguments");
        JsonNode token = params.path("_meta").get("progressToken");
        try {
            switch (params.path("name").asText()) {
                case "echo" -> reply(id, text(args.path("text").asText(), false));
                case "sleep" -> {
                    Thread.sleep(args.path("ms").asLong());
                    reply(id, text("slept " + args.path("ms").asLong(), false));
                }
                case "await_file" -> {
                    Path p = Path.of(args.path("path").asText());
                    long end = System.nanoTime() + 60_000_000_000L;
                    while (!Files.exists(p) && System.nanoTime() < end) {
                        Thread.sleep(20);
                    }
                    reply(id, text("found " + p.getFileName(), false));
                }
                case "fail" -> reply(id, text("it failed on purpose", true));
                case "error" -> error(id, -32000, "internal failure on purpose");
                case "hang" -> {
                }
                case "exit" -> {
                    System.err.println("exiting on request with code " + args.path("code").asInt());
                    System.exit(args.path("code").asInt());
                }
                case "garbage" -> {
                    synchronized (OUT) {
                        OUT.println("this line is not JSON-RPC {{{");
                    }
                    reply(id, text("after garbage", false));
                }
                case "huge" -> reply(id, text("y".repeat(args.path("chars").asInt(1_000_000)), false));
                case "progress" -> {
                    for (int i = 1; i <= 2; i++) {
                        ObjectNode n = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/progress");
                        n.putObject("params").put("progress", i).put("total", 2).put("message", "step " + i)
                                .set("progressToken", token);
                        write(n);
                    }
                    reply(id, text("progressed", false));
                }
                case "structured" -> {
                    ObjectNode r = text("{\"answer\":42}", false);
                    r.putObject("structuredContent").put("answer", 42);
                    reply(id, r);
                }
                case "add_tool" -> {
                    ADDED.add(args.path("name").asText());
                    ObjectNode changed = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/tools/list_changed");
                    if (stateless) {
                        changed.putObject("params").putObject("_meta").set("io.modelcontextprotocol/subscriptionId", listening);
                    }
                    if (!stateless || listening != null) {
                        write(changed);
                    }
                    reply(id, text("added " + args.path("name").asText(), false));
                }
                case "end_listen", "cancel_listen" -> {
                    JsonNode open = listening;
                    listening = null;
                    // added while no stream is open: only a fresh list after the stream is reopened can show it
                    ADDED.add(args.path("name").asText());
                    if (open != null) {
                        if ("end_listen".equals(params.path("name").asText())) {
                            ObjectNode r = JSON.createObjectNode().put("resultType", "complete");
                            r.putObject("_meta").set("io.modelcontextprotocol/subscriptionId", open);
                            reply(open, r);
                        } else {
                            ObjectNode n = JSON.createObjectNode().put("jsonrpc", "2.0").put("method", "notifications/cancelled");
                            n.putObject("params").put("reason", "closing the stream").set("requestId", open);
                            write(n);
                        }
                    }
                    reply(id, text((open == null ? "no stream was open; " : "ended the stream; ") + "added "
                            + args.path("name").asText(), false));
                }
                default -> {
                    String name = params.path("name").asText();
                    if (ADDED.contains(name)) {
                        reply(id, text("this is " + name, false));
                    } else {
                        error(id, -32602, "unknown tool " + name);
                    }
                }
            }
        } catch (Exception e) {
            error(id, -32603, e.toString());
        }
    }

    private static ObjectNode text(String s, boolean isError) {
        ObjectNode r = JSON.createObjectNode();
        r.putArray("content").addObject().put("type", "text").put("text", s);
        r.put("isError", isError);
        return r;
    }

    private static void reply(JsonNode id, JsonNode result) {
        ObjectNode m = JSON.createObjectNode().put("jsonrpc", "2.0");
        m.set("id", id);
        m.set("result", result);
        write(m);
    }

    private static void error(JsonNode id, int code, String message) {
        ObjectNode m = JSON.createObjectNode().put("jsonrpc", "2.0");
        m.set("id", id);
        m.putObject("error").put("code", code).put("message", message);
        write(m);
    }

    private static void write(JsonNode m) {
        synchronized (OUT) {
            OUT.println(m.toString());
        }
    }
}
