package dev.kairos.server;

import dev.kairos.agent.Agent;
import dev.kairos.agent.Approver;
import dev.kairos.agent.RunStore;
import dev.kairos.inference.Engines;
import dev.kairos.server.agent.AgentMcpTools;
import dev.kairos.server.agent.AgentTools;

import dev.kairos.inference.InferenceSettings;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.server.conformance.ConformanceFixtures;
import dev.kairos.server.config.InferenceConfig;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.EmbeddingsConfig;
import dev.kairos.server.config.ExtractionConfig;
import dev.kairos.server.config.MemoryConfig;
import dev.kairos.server.memory.MemoryIngest;
import dev.kairos.server.memory.MemoryTools;
import dev.kairos.server.memory.Toolset;
import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import dev.kairos.transports.StdioHost;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
        this.features = registry.features(Version.current(), instructions());
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
        if (MemoryConfig.enabled(config)) {
            memory = registerMemory();
        } else {
            subsystems.add(() -> new Subsystem("memory", Subsystem.State.DISABLED, "memory.mode is off"));
        }
        if (!inference.endpoints().isEmpty()) {
            registerAgent(inference, memory);
        }
    }

    /**
     * The agent as MCP tools, on the configured engines: the first large (or any-role) endpoint thinks,
     * the first small one (if any) fills slots and chooses transitions. The engine client is made on
     * the first call, so nothing here waits for an engine. Runs are checkpointed in the memory store.
     */
    private void registerAgent(InferenceSettings inference, MemoryGraph memory) {
        Engines engines = new Engines();
        closeables.add(engines);
        RunStore store = memory != null ? RunStore.inGraph(memory.runs()) : RunStore.NONE;
        InferenceSettings.Endpoint main = inference.endpoints().stream()
                .filter(e -> e.role() != InferenceSettings.Role.SMALL).findFirst().orElse(inference.endpoints().getFirst());
        var small = inference.endpoints().stream().filter(e -> e.role() == InferenceSettings.Role.SMALL).findFirst();
        AgentTools tools = AgentTools.none();
        Supplier<Agent> agent = new Supplier<>() {
            private Agent made;

            @Override
            public synchronized Agent get() {
                if (made == null) {
                    made = new Agent(engines.endpoint(main), small.map(engines::endpoint).orElse(null), tools, tools,
                            Approver.REFUSE, store);
                }
                return made;
            }
        };
        AgentMcpTools.register(registry, agent, store);
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
