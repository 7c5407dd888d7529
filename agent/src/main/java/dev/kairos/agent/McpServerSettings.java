package dev.kairos.agent;

import dev.kairos.transports.ServerEndpoint;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One downstream server from an {@code mcpServers} file: where it is, and how Kairos treats its tools.
 *
 * @param timeout        per-call timeout for its tools; null for the executor's default
 * @param toolTimeouts   per-tool timeouts (from {@code timeout: {"tool": "5s"}} form), may be empty
 * @param maxConcurrency calls in flight at once to this server; null for the executor's default
 * @param retry          tool names whose failed calls may be retried even without read-only/idempotent hints
 * @param confirm        tool names that need approval before they run (the agent asks)
 * @param prefix         whether this server's tool names always carry the server's name
 */
public record McpServerSettings(String name, ServerEndpoint endpoint, boolean enabled, List<String> include,
                                List<String> exclude, Duration timeout, java.util.Map<String, Duration> toolTimeouts,
                                Integer maxConcurrency, Set<String> retry, Set<String> confirm, boolean prefix) {
    public McpServerSettings {
        Objects.requireNonNull(name, "server name");
        Objects.requireNonNull(endpoint, "endpoint");
        include = include == null ? List.of() : List.copyOf(include);
        exclude = exclude == null ? List.of() : List.copyOf(exclude);
        toolTimeouts = toolTimeouts == null ? java.util.Map.of() : java.util.Map.copyOf(toolTimeouts);
        retry = retry == null ? Set.of() : Set.copyOf(retry);
        confirm = confirm == null ? Set.of() : Set.copyOf(confirm);
    }

    /** A server with no Kairos keys: enabled, every tool, defaults for the rest. */
    public static McpServerSettings of(String name, ServerEndpoint endpoint) {
        return new McpServerSettings(name, endpoint, true, null, null, null, null, null, null, null, false);
    }

    /** Whether the server offers this tool to the catalogue (include first, then exclude). */
    public boolean offers(String tool) {
        return (include.isEmpty() || include.contains(tool)) && !exclude.contains(tool);
    }

    /** The timeout of one tool: per tool, else per server, else {@code fallback}. */
    public Duration timeoutFor(String tool, Duration fallback) {
        Duration d = toolTimeouts.get(tool);
        return d != null ? d : timeout != null ? timeout : fallback;
    }
}
