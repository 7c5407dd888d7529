package dev.kairos.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.agent.CatalogueTool;
import dev.kairos.agent.DownstreamServers;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.LiveCatalogue;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.McpServersConfig;
import dev.kairos.agent.McpToolProvider;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolApproval;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolHints;
import dev.kairos.inference.ToolCall;
import dev.kairos.server.Json;
import dev.kairos.server.Version;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.ToolsConfig;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerEndpoint;
import dev.kairos.transports.ServerState;
import io.modelcontextprotocol.spec.McpSchema;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kairos tools list|call}: the tools of the MCP servers Kairos is configured to call. */
@Command(name = "tools", mixinStandardHelpOptions = true,
        description = "List and call the tools of downstream MCP servers (an mcpServers / VS Code servers file, or one --url).",
        subcommands = {ToolsCommand.ListTools.class, ToolsCommand.CallTool.class})
public final class ToolsCommand {

    /** Where the servers come from, shared by both subcommands. */
    static final class Servers {
        @Option(names = "--mcp-config", paramLabel = "FILE",
                description = "MCP server list (Claude Desktop / Cursor mcpServers or VS Code servers). Default: tools.mcp_config in kairos.yaml.")
        Path mcpConfig;

        @Option(names = "--url", paramLabel = "URL",
                description = "One HTTP server instead of a file (Streamable HTTP, falling back to legacy SSE).")
        String url;

        @CommandLine.Mixin
        ConfigOption config;

        @Option(names = "--accept-defaults",
                description = "Without a terminal, answer a server's elicitation with the schema's defaults (else it is declined; "
                        + "also declined when a required field has no default).")
        boolean acceptDefaults;

        KairosConfig kairos() {
            return config.load();
        }

        List<McpServerSettings> settings(KairosConfig k, CommandSpec spec) {
            if (url != null) {
                return List.of(McpServerSettings.of("server", new ServerEndpoint.Http(url, Map.of(), ServerEndpoint.HttpKind.AUTO)));
            }
            Path file = ToolsConfig.of(k).mcpConfigFile(mcpConfig, k.source());
            if (file == null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "no MCP servers: pass --mcp-config FILE or --url URL, or set tools.mcp_config in kairos.yaml");
            }
            return McpServersConfig.load(file);
        }

        ClientOptions options(KairosConfig k, PrintWriter err) {
            return ToolsConfig.of(k).clientOptions(k.source(), Version.current()).withElicitation(req -> elicit(req, err), acceptDefaults);
        }

        private McpSchema.ElicitResult elicit(McpSchema.ElicitFormRequest req, PrintWriter err) {
            Map<String, Object> props = req.requestedSchema() != null && req.requestedSchema().get("properties") instanceof Map<?, ?> m
                    ? cast(m) : Map.of();
            Console console = System.console();
            if (console != null) {
                err.println("The server asks: " + req.message());
                err.flush();
                Map<String, Object> content = new LinkedHashMap<>();
                for (Map.Entry<String, Object> p : props.entrySet()) {
                    Map<String, Object> field = p.getValue() instanceof Map<?, ?> f ? cast(f) : Map.of();
                    Object def = field.get("default");
                    String line = console.readLine("  %s%s%s: ", p.getKey(),
                            field.get("description") == null ? "" : " (" + field.get("description") + ")",
                            def == null ? "" : " [" + def + "]");
                    if (line == null) {
                        return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.CANCEL, null);
                    }
                    if (line.isBlank()) {
                        if (def != null) {
                            content.put(p.getKey(), def);
                        }
                        continue;
                    }
                    content.put(p.getKey(), coerce(String.valueOf(field.get("type")), line.trim()));
                }
                String ok = console.readLine("Send this answer? [Y/n] ");
                return ok != null && (ok.isBlank() || ok.trim().toLowerCase().startsWith("y"))
                        ? new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, content)
                        : new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
            }
            if (acceptDefaults) {
                Map<String, Object> content = new LinkedHashMap<>();
                props.forEach((k, v) -> {
                    if (v instanceof Map<?, ?> f && f.get("default") != null) {
                        content.put(k, f.get("default"));
                    }
                });
                // an answer without a required field would not match the server's schema: decline instead
                List<String> missing = req.requestedSchema() != null && req.requestedSchema().get("required") instanceof List<?> r
                        ? r.stream().map(String::valueOf).filter(k -> !content.containsKey(k)).toList() : List.of();
                if (!missing.isEmpty()) {
                    err.println("kairos: declined the server's question (--accept-defaults has no default for the required "
                            + String.join(", ", missing) + "): " + req.message());
                    err.flush();
                    return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
                }
                return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.ACCEPT, content);
            }
            err.println("kairos: declined the server's question (no terminal; --accept-defaults answers with defaults): "
                    + req.message());
            err.flush();
            return new McpSchema.ElicitResult(McpSchema.ElicitResult.Action.DECLINE, null);
        }

        private static Object coerce(String type, String s) {
            try {
                return switch (type) {
                    case "integer" -> Long.parseLong(s);
                    case "number" -> Double.parseDouble(s);
                    case "boolean" -> s.equalsIgnoreCase("y") || s.equalsIgnoreCase("yes") || Boolean.parseBoolean(s);
                    default -> s;
                };
            } catch (NumberFormatException e) {
                return s;
            }
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> cast(Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
    }

    /** {@code kairos tools list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print the catalogue: each tool's model name, server, annotations; and the state of each server.")
    static final class ListTools implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @CommandLine.Mixin
        Servers servers = new Servers();
        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            KairosConfig k = servers.kairos();
            PrintWriter out = spec.commandLine().getOut();
            try (DownstreamServers ds = DownstreamServers.connect(servers.settings(k, spec),
                    servers.options(k, spec.commandLine().getErr()))) {
                LiveCatalogue cat = ds.catalogue(List.of(), ToolsConfig.of(k).executorSettings(k.source()).defaultTimeout());
                if (json) {
                    ObjectNode root = Json.mapper().createObjectNode();
                    ArrayNode ss = root.putArray("servers");
                    for (McpToolProvider p : ds.providers()) {
                        ServerState st = p.state();
                        ss.addObject().put("name", p.name()).put("status", st.status().name())
                                .put("detail", st.detail()).put("transport", st.transport())
                                .put("protocol", st.protocol()).put("server", st.server());
                    }
                    ArrayNode ts = root.putArray("tools");
                    for (CatalogueTool t : cat.tools()) {
                        ObjectNode n = ts.addObject().put("name", t.modelName()).put("server", t.provider())
                                .put("tool", t.descriptor().name()).put("description", t.descriptor().description());
                        ToolHints h = t.descriptor().hints();
                        n.putObject("annotations").put("readOnlyHint", h.readOnly()).put("destructiveHint", h.destructive())
                                .put("idempotentHint", h.idempotent()).put("openWorldHint", h.openWorld());
                        n.set("inputSchema", t.descriptor().inputSchema());
                        n.put("timeoutMs", t.timeout().toMillis()).put("confirm", t.needsConfirmation()).put("retry", t.retryable());
                    }
                    out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
                } else {
                    for (McpToolProvider p : ds.providers()) {
                        ServerState st = p.state();
                        out.printf("server %-20s %-10s %s%n", p.name(), st.status(),
                                st.status() == ServerState.Status.READY ? st.transport() + " " + st.protocol()
                                        + (st.server() == null ? "" : " (" + st.server() + ")") : st.detail());
                    }
                    for (CatalogueTool t : cat.tools()) {
                        ToolHints h = t.descriptor().hints();
                        String hints = (h.isReadOnly() ? "read-only " : "") + (h.isDestructive() ? "destructive " : "")
                                + (Boolean.TRUE.equals(h.idempotent()) ? "idempotent " : "")
                                + (t.needsConfirmation() ? "confirm " : "");
                        String d = t.descriptor().description().lines().findFirst().orElse("");
                        out.printf("%-40s %-16s %-28s %s%n", t.modelName(), t.provider(), hints.trim(),
                                d.length() > 80 ? d.substring(0, 77) + "..." : d);
                    }
                }
                out.flush();
                return ds.providers().stream().allMatch(p -> p.state().status() == ServerState.Status.READY) ? 0 : 2;
            }
        }
    }

    /** {@code kairos tools call NAME --args JSON}. */
    @Command(name = "call", mixinStandardHelpOptions = true,
            description = "Call one tool by the name `kairos tools list` shows; prints the result (structured content as JSON).")
    static final class CallTool implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @CommandLine.Mixin
        Servers servers = new Servers();
        @Parameters(index = "0", paramLabel = "NAME", description = "The tool's name in the catalogue.")
        String name;
        @Option(names = "--args", paramLabel = "JSON", defaultValue = "{}", description = "Arguments as a JSON object (default {}).")
        String args;

        @Override
        public Integer call() throws Exception {
            KairosConfig k = servers.kairos();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ExecutorSettings es = ToolsConfig.of(k).executorSettings(k.source());
            try (DownstreamServers ds = DownstreamServers.connect(servers.settings(k, spec), servers.options(k, err))) {
                for (McpToolProvider p : ds.providers()) {
                    if (p.state().status() != ServerState.Status.READY) {
                        err.println("kairos: " + p.state().detail());
                    }
                }
                LiveCatalogue cat = ds.catalogue(List.of(), es.defaultTimeout());
                // the person named the call, so tools marked confirm run without asking again
                ParallelToolExecutor ex = new ParallelToolExecutor(cat, es, ToolApproval.ALLOW);
                ToolCallResult r = ex.runAll(List.of(new ToolCall("cli-1", name, args)), e -> { }).getFirst();
                JsonNode structured = r.structured();
                out.println(structured != null ? Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(structured) : r.text());
                out.flush();
                if (r.outcome().isError()) {
                    err.println("kairos: " + r.outcome().name().toLowerCase().replace('_', ' '));
                    err.flush();
                    return 1;
                }
                return 0;
            }
        }
    }
}
