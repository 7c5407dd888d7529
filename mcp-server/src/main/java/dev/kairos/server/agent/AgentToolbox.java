package dev.kairos.server.agent;

import dev.kairos.agent.DownstreamServers;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.LiveCatalogue;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.McpToolProvider;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolApproval;
import dev.kairos.agent.ToolProvider;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerState;

import java.util.List;

/**
 * The tools an agent run offers: Kairos's own tools (called in process) first, then those of the MCP
 * servers of {@code tools.mcp_config} / {@code --mcp-config}, connected once and shared. Each
 * {@link #tools(List)} is a catalogue and an executor over the same connections.
 */
public final class AgentToolbox implements AutoCloseable {
    private final DownstreamServers downstream;
    private final ExecutorSettings settings;

    private AgentToolbox(DownstreamServers downstream, ExecutorSettings settings) {
        this.downstream = downstream;
        this.settings = settings;
    }

    /** A catalogue and the executor that runs its calls. */
    public record Tools(LiveCatalogue catalogue, ParallelToolExecutor executor) {
    }

    /** Connects every enabled server in parallel; returns when each is ready or has failed (each bounded). */
    public static AgentToolbox connect(List<McpServerSettings> servers, ExecutorSettings settings, ClientOptions options)
            throws InterruptedException {
        return new AgentToolbox(DownstreamServers.connect(servers, options), settings);
    }

    /**
     * The catalogue of {@code inProcess} followed by the downstream servers' tools, with an executor under
     * this toolbox's bounds. The agent asks for approval before a call reaches the executor, so the
     * executor lets calls that need it through.
     */
    public Tools tools(List<ToolProvider> inProcess) {
        LiveCatalogue catalogue = downstream.catalogue(inProcess, settings.defaultTimeout());
        return new Tools(catalogue, new ParallelToolExecutor(catalogue, settings, ToolApproval.ALLOW));
    }

    public List<McpToolProvider> servers() {
        return downstream.providers();
    }

    /** Whether servers were configured and none of them could be reached. */
    public boolean noneReachable() {
        return !servers().isEmpty() && servers().stream().noneMatch(p -> p.state().status() == ServerState.Status.READY);
    }

    /** The servers that are not ready, each with the reason. */
    public List<String> problems() {
        return servers().stream().filter(p -> p.state().status() != ServerState.Status.READY)
                .map(p -> p.name() + ": " + p.state().detail()).toList();
    }

    public ExecutorSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        downstream.close();
    }
}
