package dev.kairos.server;

import dev.kairos.agent.Agent;
import dev.kairos.agent.AgentMemory;
import dev.kairos.agent.Approver;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.Limits;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.McpServersConfig;
import dev.kairos.agent.RunStore;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.server.agent.AgentMcpTools;
import dev.kairos.server.agent.AgentToolbox;
import dev.kairos.server.config.AgentConfig;
import dev.kairos.server.config.AgentMemoryConfig;
import dev.kairos.server.config.ConfigException;
import dev.kairos.server.config.InferenceConfig;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.EmbeddingsConfig;
import dev.kairos.server.config.ExtractionConfig;
import dev.kairos.server.config.MemoryConfig;
import dev.kairos.server.config.ToolsConfig;
import dev.kairos.server.conformance.ConformanceFixtures;
import dev.kairos.server.memory.MemoryIngest;
import dev.kairos.server.memory.MemoryTools;
import dev.kairos.server.memory.Toolset;
import dev.kairos.transports.Caller;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import dev.kairos.transports.StdioHost;
import dev.kairos.transports.TaskStore;
import dev.kairos.transports.Tasks;
import dev.kairos.server.memory.GraphTaskStore;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The composition root: builds every subsystem from the configuration with plain constructors,
 * registers their MCP features, and serves them over the requested transports.
 *
 * <p>Nothing slow happens here before a transport answers {@code initialize}: subsystems such as
 * the database start in the background and report their readiness through {@link Subsystem}.
 */
public final class Application implements AutoCloseable {
    private final KairosConfig config;
    private final Options options;
    private final Instant started = Instant.now();
    private final LiveServers liveServers = new LiveServers();
    private final Registry registry = new Registry(liveServers);
    private final List<Supplier<Subsystem>> subsystems = new ArrayList<>();
    private final List<String> transports = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final McpFeatures features;
    /** Where MCP tasks are kept: the memory's database when there is one, so other instances on it see them. */
    private TaskStore taskStore = TaskStore.inMemory();

    /**
     * Choices made on the command line rather than in the config file.
     *
     * @param toolset memory tool set from {@code --toolset}, or null for the config's (default {@code kairos})
     */
    public record Options(boolean conformanceFixtures, String toolset) {
        public static Options defaults() {
            return new Options(false, null);
        }
    }

    public Application(KairosConfig config, Options options) {
        this.config = config;
        this.options = options;
        registerFeatures();
        Tasks tasks = new Tasks(taskStore, Tasks.DEFAULT_LEASE);
        closeables.add(tasks);
        this.features = registry.features(Version.current(), instructions(), tasks);
    }

    private void registerFeatures() {
        registry.tool(StatusTool.spec(this::status));
        if (options.conformanceFixtures()) {
            ConformanceFixtures.register(registry);
        }
        InferenceSettings inference = InferenceConfig.settings(config); // validated at start, not at first use
        subsystems.add(() -> inference.endpoints().isEmpty()
                ? new Subsystem("inference", Subsystem.State.DISABLED, "no engine endpoints configured (inference.endpoints)")
                : new Subsystem("inference", Subsystem.State.READY, inference.endpoints().size() + " endpoint(s) configured: "
                        + inference.endpoints().stream().map(e -> e.name() + " " + e.url() + " " + e.model()).toList()));
        MemoryGraph memory = null;
        int before = registry.toolSpecifications().size();
        if (MemoryConfig.enabled(config)) {
            memory = registerMemory();
        } else {
            subsystems.add(() -> new Subsystem("memory", Subsystem.State.DISABLED, "memory.mode is off"));
        }
        // the memory tools just registered are the agent's own tools (not kairos_status, not the agent_* tools)
        List<SyncToolSpecification> memoryTools = registry.toolSpecifications().subList(before, registry.toolSpecifications().size());
        if (!inference.endpoints().isEmpty()) {
            registerAgent(inference, memory, memoryTools);
        }
    }

    /**
     * The agent as MCP tools, on the configured engines: the first large (or any-role) endpoint thinks,
     * the first small one (if any) fills slots and chooses transitions. Its tools are Kairos's memory
     * tools (called in process as the client that started the run, so its groups bound the agent's) and
     * those of the MCP servers in {@code tools.mcp_config}, connected in the background. The engine
     * client is made on the first call, so nothing here waits for an engine or a server. Runs are
     * checkpointed in the memory store.
     */
    private void registerAgent(InferenceSettings inference, MemoryGraph memory, List<SyncToolSpecification> memoryTools) {
        Engines engines = new Engines();
        closeables.add(engines);
        RunStore store = memory != null ? RunStore.inGraph(memory.runs()) : RunStore.NONE;
        InferenceSettings.Endpoint main = inference.endpoints().stream()
                .filter(e -> e.role() != InferenceSettings.Role.SMALL).findFirst().orElse(inference.endpoints().getFirst());
        var small = inference.endpoints().stream().filter(e -> e.role() == InferenceSettings.Role.SMALL && e != main).findFirst();
        Limits limits = AgentConfig.limits(config);
        ToolsConfig toolsConfig = ToolsConfig.of(config);
        ExecutorSettings executor = toolsConfig.executorSettings(config.source());
        ClientOptions clientOptions = toolsConfig.clientOptions(config.source(), Version.current());
        Path mcpFile = toolsConfig.mcpConfigFile(null, config.source());
        List<McpServerSettings> servers;
        try {
            servers = mcpFile == null ? List.of() : McpServersConfig.load(mcpFile);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.source() + ": tools.mcp_config: " + e.getMessage());
        }
        CompletableFuture<AgentToolbox> toolbox = new CompletableFuture<>();
        Thread.ofVirtual().name("kairos-tools-connect").start(() -> {
            try {
                toolbox.complete(AgentToolbox.connect(servers, executor, clientOptions));
            } catch (Throwable e) {
                toolbox.completeExceptionally(e);
            }
        });
        closeables.add(() -> toolbox.thenAccept(AgentToolbox::close).get(60, TimeUnit.SECONDS));
        subsystems.add(() -> toolsSubsystem(servers.size(), mcpFile, toolbox));
        InProcessTools own = new InProcessTools(memoryTools);
        Map<Caller, Agent> agents = new ConcurrentHashMap<>();
        // One agent per caller (callers are the configured tokens and the local user, so few): its in-process
        // tools act as that caller; the downstream connections are shared.
        Function<McpSyncServerExchange, Agent> agentFor = exchange -> {
            Caller caller = Caller.of(exchange, config.defaultGroup());
            Agent known = agents.get(caller);
            if (known != null) {
                return known;
            }
            AgentToolbox connected = awaitToolbox(toolbox); // waits outside the map's lock
            return agents.computeIfAbsent(caller, c -> {
                AgentToolbox.Tools tools = connected.tools(memoryTools.isEmpty() ? List.of() : List.of(own.as(c)));
                // the caller's view of the runs: what it saves is its own, what it resumes must be its own
                return new Agent(engines.endpoint(main), small.map(engines::endpoint).orElse(null), tools.catalogue(),
                        tools.executor(), Approver.REFUSE, store.ownedBy(c.principal()));
            });
        };
        AgentMcpTools.register(registry, withAgentMemory(agentFor, memory, engines, main), store, limits);
    }

    /**
     * The agents with their memory when {@code agent.memory} enables it (each run's user is its caller's
     * principal, set by {@code agent_run}); the token budget from the main engine's context size as the
     * probe reports it (cached), else {@code agent.memory.context_tokens}.
     */
    private Function<McpSyncServerExchange, Agent> withAgentMemory(Function<McpSyncServerExchange, Agent> agents, MemoryGraph memory,
                                                                  Engines engines, InferenceSettings.Endpoint main) {
        AgentMemoryConfig.Resolved settings = AgentMemoryConfig.resolve(config);
        if (!settings.enabled()) {
            return agents;
        }
        if (memory == null) {
            org.slf4j.LoggerFactory.getLogger(Application.class).warn("agent.memory.enabled is true, but memory.mode is off: agent runs remember nothing beyond their session");
            return agents;
        }
        AgentMemory longTerm = AgentMemory.inGraph(memory);
        return exchange -> agents.apply(exchange).withMemory(longTerm, settings.options(engines.probe().probe(main.url())));
    }

    private static AgentToolbox awaitToolbox(CompletableFuture<AgentToolbox> toolbox) {
        try {
            // each server's start is bounded by tools.start_timeout; this bounds the whole
            return toolbox.get(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the MCP servers connected");
        } catch (ExecutionException e) {
            throw new IllegalStateException("the MCP servers could not be connected: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the MCP servers did not finish connecting in 10 minutes");
        }
    }

    private static Subsystem toolsSubsystem(int configured, Path file, CompletableFuture<AgentToolbox> toolbox) {
        if (configured == 0) {
            return new Subsystem("tools", Subsystem.State.DISABLED, "no MCP servers configured (tools.mcp_config)");
        }
        if (!toolbox.isDone()) {
            return new Subsystem("tools", Subsystem.State.STARTING, "connecting " + configured + " MCP server(s) from " + file);
        }
        if (toolbox.isCompletedExceptionally()) {
            return new Subsystem("tools", Subsystem.State.FAILED, "the MCP servers of " + file + " could not be connected");
        }
        AgentToolbox t = toolbox.join();
        // names only: the reasons (commands, addresses) go to the log, not to /health
        List<String> down = t.servers().stream().filter(p -> p.state().status() != dev.kairos.transports.ServerState.Status.READY)
                .map(p -> p.name()).toList();
        String detail = (t.servers().size() - down.size()) + " of " + t.servers().size() + " MCP server(s) ready"
                + (down.isEmpty() ? "" : "; not ready: " + String.join(", ", down));
        return new Subsystem("tools", t.noneReachable() ? Subsystem.State.FAILED : Subsystem.State.READY, detail);
    }

    private MemoryGraph registerMemory() {
        MemorySettings settings = MemoryConfig.settings(config);
        String configured = MemoryConfig.toolset(config);
        Toolset toolset = options.toolset() != null
                ? Toolset.parse("--toolset", options.toolset())
                : Toolset.parse("memory.toolset", configured != null ? configured : Toolset.KAIROS.id());
        // Returns at once: Neo4j and the embedder start on background threads; `initialize` never waits for them.
        MemoryGraph memory = EmbeddingsConfig.embedder(config).map(e -> MemoryGraph.open(settings, e)).orElseGet(() -> MemoryGraph.open(settings));
        closeables.add(memory);
        taskStore = new GraphTaskStore(memory);
        subsystems.add(() -> memorySubsystem(memory.status()));
        MemoryIngest ingest = startIngestion(memory, settings.defaultGroup());
        MemoryTools.register(registry, memory, toolset, settings.defaultGroup(), ingest);
        return memory;
    }

    /**
     * Extraction of stored episodes into entities and facts, in the background: the model is the engine of
     * {@code memory.extraction} (or the inference section's small or first endpoint), else the model of a connected MCP
     * client that offers sampling; without either, episodes stay pending and status says why. Stopped before the memory.
     */
    private MemoryIngest startIngestion(MemoryGraph memory, String defaultGroup) {
        ExtractionConfig.Resolved extraction = ExtractionConfig.resolve(config); // validated at start, not at first use
        MemoryIngest ingest = MemoryIngest.start(memory, extraction, liveServers.samplingClients(), defaultGroup);
        closeables.add(ingest);
        subsystems.add(() -> {
            Map<String, Object> queue = ingest.queue();
            return queue == null ? new Subsystem("ingestion", Subsystem.State.STARTING, ingest.describe())
                    : new Subsystem("ingestion", Subsystem.State.READY, ingest.describe() + "; queue: " + queue.get("pending")
                    + " pending, " + queue.get("processing") + " processing, " + queue.get("done") + " done, "
                    + queue.get("failed") + " failed");
        });
        return ingest;
    }

    private static Subsystem memorySubsystem(MemoryStatus status) {
        Subsystem.State state = switch (status) {
            case MemoryStatus.Starting s -> Subsystem.State.STARTING;
            case MemoryStatus.Ready r -> Subsystem.State.READY;
            case MemoryStatus.Failed f -> Subsystem.State.FAILED;
            case MemoryStatus.Closed c -> Subsystem.State.DISABLED;
        };
        return new Subsystem("memory", state, status.describe());
    }

    private static String instructions() {
        return "Kairos gives you durable, time-aware memory and tools. Call kairos_status to see what is ready.";
    }

    /** Serves MCP over the given stdin/stdout until stdin ends and every request read was answered. */
    public void serveStdio(InputStream in, OutputStream out) throws InterruptedException {
        transports.add("stdio");
        try (StdioHost host = new StdioHost(features, liveServers, in, out, Duration.ofSeconds(60))) {
            host.awaitEndOfInput();
        }
    }

    /** Starts the HTTP endpoint; it runs until {@link #close()}. */
    public HttpHost serveHttp(HttpSettings settings) throws Exception {
        HttpHost host = new HttpHost(settings, features, liveServers, config.defaultGroup(), this::healthJson);
        host.start();
        closeables.add(host);
        transports.add("streamable-http " + host.baseUrl() + HttpHost.MCP_PATH);
        transports.add("sse " + host.baseUrl() + HttpHost.SSE_PATH);
        return host;
    }

    public Registry registry() {
        return registry;
    }

    /** The status document of {@code kairos_status}. */
    public Map<String, Object> status() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", Version.current());
        out.put("uptime_seconds", Duration.between(started, Instant.now()).toMillis() / 1000.0);
        out.put("transports", List.copyOf(transports));
        out.put("tools", registry.toolNames());
        List<Map<String, Object>> subs = new ArrayList<>();
        for (Supplier<Subsystem> s : subsystems) {
            Subsystem sub = s.get();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", sub.name());
            m.put("state", sub.state().name().toLowerCase(java.util.Locale.ROOT));
            if (sub.detail() != null) {
                m.put("detail", sub.detail());
            }
            subs.add(m);
        }
        out.put("subsystems", subs);
        return out;
    }

    String healthJson() {
        Map<String, Object> status = status();
        boolean failed = subsystems.stream().anyMatch(s -> s.get().state() == Subsystem.State.FAILED);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", failed ? "degraded" : "ok");
        out.put("version", status.get("version"));
        out.put("subsystems", status.get("subsystems"));
        return Json.write(out);
    }

    /** Stops the transports first (finishing calls in flight), then the subsystems. */
    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(Application.class).warn("close failed: {}", e.toString());
            }
        }
        closeables.clear();
    }
}
