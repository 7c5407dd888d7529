package dev.kairos.server.cli;

import dev.kairos.agent.Agent;
import dev.kairos.agent.AgentMemory;
import dev.kairos.agent.Approver;
import dev.kairos.agent.Conversation;
import dev.kairos.agent.Limits;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.McpServersConfig;
import dev.kairos.agent.RunStore;
import dev.kairos.agent.ToolProvider;
import dev.kairos.inference.EngineInfo;
import dev.kairos.inference.Engines;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.Message;
import dev.kairos.server.InProcessTools;
import dev.kairos.server.Version;
import dev.kairos.server.agent.AgentToolbox;
import dev.kairos.server.config.AgentMemoryConfig;
import dev.kairos.server.config.ConfigException;
import dev.kairos.server.config.ConfigLoader;
import dev.kairos.server.config.InferenceConfig;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.MemoryConfig;
import dev.kairos.server.config.ToolsConfig;
import dev.kairos.server.memory.MemoryTools;
import dev.kairos.server.memory.Toolset;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code kairos run} and {@code kairos chat} share: the config, the engines by role (the large or
 * any-role endpoint thinks, a {@code role: small} one fills slots and chooses transitions), the memory
 * store (runs, sessions, and the memory tools in process), the MCP servers of {@code --mcp-config} or
 * {@code tools.mcp_config} under the {@code tools:} bounds, the {@code agent:} loop guards, and the agent's
 * memory ({@code agent.memory}) when it is enabled and the memory store is on.
 */
final class AgentSetup implements AutoCloseable {
    /** The engines, the tools or the store cannot be reached: exit 4 with this message. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    /** The command line's choices. {@code engine}, {@code model}, {@code toolProtocol}, {@code provider}, {@code mcpConfig} may be null. */
    record Options(Path config, URI engine, String model, InferenceSettings.ToolProtocol toolProtocol,
                   InferenceSettings.Provider provider, Path mcpConfig) {
    }

    final KairosConfig config;
    final Limits limits;
    /** The {@code agent.memory} section; used only when the store is on. */
    final AgentMemoryConfig.Resolved memory;
    final InferenceSettings.Endpoint main;
    final InferenceSettings.Endpoint small;
    private final Engines engines;
    private final SupervisedEngine supervised;
    private final RunCommand.Stores stores;
    private final AgentToolbox toolbox;
    private final AgentToolbox.Tools tools;

    private AgentSetup(KairosConfig config, Limits limits, AgentMemoryConfig.Resolved memory, InferenceSettings.Endpoint main,
                       InferenceSettings.Endpoint small, Engines engines, SupervisedEngine supervised, RunCommand.Stores stores,
                       AgentToolbox toolbox, AgentToolbox.Tools tools) {
        this.config = config;
        this.limits = limits;
        this.memory = memory;
        this.main = main;
        this.small = small;
        this.engines = engines;
        this.supervised = supervised;
        this.stores = stores;
        this.toolbox = toolbox;
        this.tools = tools;
    }

    /**
     * Reads the config, resolves the engines, opens the store and connects the MCP servers.
     *
     * @throws CommandLine.ParameterException bad input (exit 2)
     * @throws Unavailable                    the engine or every MCP server is unreachable (exit 4)
     */
    static AgentSetup open(Options o, CommandSpec spec, PrintStream err) throws Unavailable, InterruptedException {
        KairosConfig config;
        Limits limits;
        AgentMemoryConfig.Resolved memory;
        InferenceSettings settings;
        List<McpServerSettings> servers = List.of();
        ToolsConfig toolsConfig;
        try {
            config = ConfigLoader.load(o.config());
            limits = dev.kairos.server.config.AgentConfig.limits(config);
            memory = AgentMemoryConfig.resolve(config);
            settings = InferenceConfig.settings(config);
            toolsConfig = ToolsConfig.of(config);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Path mcpFile = toolsConfig.mcpConfigFile(o.mcpConfig(), config.source());
        if (mcpFile != null) {
            try {
                servers = McpServersConfig.load(mcpFile);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        (o.mcpConfig() != null ? "--mcp-config: " : "tools.mcp_config in " + config.source() + ": ") + e.getMessage());
            }
        }
        List<InferenceSettings.Endpoint> endpoints = settings.endpoints();
        URI url = engineUrl(o.engine(), endpoints, spec);
        // The configured endpoint at that URL brings its model, provider, timeouts and supervise block.
        Optional<InferenceSettings.Endpoint> configured = endpoints.stream().filter(e -> e.url().equals(url))
                .min((a, b) -> Boolean.compare(a.role() == InferenceSettings.Role.SMALL, b.role() == InferenceSettings.Role.SMALL));
        Engines engines = new Engines();
        SupervisedEngine supervised = null;
        RunCommand.Stores stores = null;
        AgentToolbox toolbox = null;
        boolean opened = false;
        try {
            supervised = SupervisedEngine.startIfConfigured(configured, spec);
            String model = o.model();
            if ((model == null || model.isBlank()) && configured.isPresent()) {
                model = configured.get().model();
            }
            if (model == null || model.isBlank()) {
                model = firstModel(engines, url, spec);
            }
            String chosen = model;
            InferenceSettings.Endpoint main = configured.map(e -> e.withModel(chosen))
                    .orElseGet(() -> InferenceSettings.Endpoint.of(url, chosen).withToolProtocol(InferenceSettings.ToolProtocol.AUTO));
            if (o.provider() != null) {
                main = main.withProvider(o.provider());
            }
            if (o.toolProtocol() != null) {
                main = main.withToolProtocol(o.toolProtocol());
            }
            InferenceSettings.Endpoint mainEndpoint = main;
            InferenceSettings.Endpoint small = endpoints.stream()
                    .filter(e -> e.role() == InferenceSettings.Role.SMALL && !e.equals(configured.orElse(null)))
                    .findFirst().orElse(null);
            if (small != null) {
                err.println("choices and slots: " + small.model() + " at " + small.url() + " (role small)");
            }
            stores = RunCommand.Stores.open(config, spec);
            if (memory.enabled() && stores.graph() == null) {
                err.println("kairos: agent.memory.enabled is true, but memory.mode is off: the agent remembers nothing beyond this session");
            }
            toolbox = AgentToolbox.connect(servers, toolsConfig.executorSettings(config.source()),
                    toolsConfig.clientOptions(config.source(), Version.current()));
            if (toolbox.noneReachable()) {
                throw new Unavailable("none of the MCP servers in " + mcpFile + " could be reached:\n  "
                        + String.join("\n  ", toolbox.problems()));
            }
            toolbox.problems().forEach(p -> err.println("kairos: MCP server " + p + " (its tools are left out)"));
            AgentToolbox.Tools tools = toolbox.tools(inProcess(config, stores));
            AgentSetup setup = new AgentSetup(config, limits, memory, mainEndpoint, small, engines, supervised, stores, toolbox, tools);
            opened = true;
            return setup;
        } finally {
            if (!opened) {
                closeQuietly(toolbox);
                closeQuietly(stores);
                closeQuietly(supervised);
                engines.close();
            }
        }
    }

    /** Kairos's own memory tools, called in process as the local user, when the memory store is on. */
    private static List<ToolProvider> inProcess(KairosConfig config, RunCommand.Stores stores) {
        if (stores.graph() == null) {
            return List.of();
        }
        String configured = MemoryConfig.toolset(config);
        Toolset toolset = Toolset.parse("memory.toolset", configured != null ? configured : Toolset.KAIROS.id());
        MemoryTools memory = MemoryTools.create(stores.graph(), toolset, stores.graph().settings().defaultGroup(), uri -> { });
        return List.of(new InProcessTools(memory.tools()));
    }

    /** {@code --engine}, else {@code $KAIROS_ENGINE_URL}, else the config's first endpoint that is not {@code role: small}. */
    private static URI engineUrl(URI flag, List<InferenceSettings.Endpoint> endpoints, CommandSpec spec) {
        if (flag != null) {
            return flag;
        }
        String env = System.getenv("KAIROS_ENGINE_URL");
        if (env != null && !env.isBlank()) {
            try {
                return URI.create(env.trim());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "KAIROS_ENGINE_URL: not a URL: '" + env + "'");
            }
        }
        return endpoints.stream().filter(e -> e.role() != InferenceSettings.Role.SMALL).findFirst()
                .or(() -> endpoints.stream().findFirst())
                .map(InferenceSettings.Endpoint::url)
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                        "no engine: pass --engine URL, set KAIROS_ENGINE_URL, or list one under inference.endpoints in kairos.yaml"));
    }

    private static String firstModel(Engines engines, URI url, CommandSpec spec) throws Unavailable {
        EngineInfo info = engines.probe().probe(url);
        if (!info.reachable()) {
            throw new Unavailable("engine at " + url + " is not reachable");
        }
        if (info.models().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model: the engine at " + url + " lists no model; name one");
        }
        return info.models().getFirst();
    }

    /**
     * An agent on these engines and tools that asks {@code approver} before calls with consequences; with
     * the agent's memory when {@code agent.memory} enables it and the store is on, its token budget from the
     * main engine's context size (as the probe reports it, else {@code agent.memory.context_tokens}).
     */
    Agent agent(Approver approver) {
        Agent a = new Agent(engines.endpoint(main), small == null ? null : engines.endpoint(small), tools.catalogue(),
                tools.executor(), approver, stores.runs());
        if (!memory.enabled() || stores.graph() == null) {
            return a;
        }
        return a.withMemory(AgentMemory.inGraph(stores.graph()), memory.options(engines.probe().probe(main.url())));
    }

    /**
     * Whose memory a run uses: {@code --user NAME}, else the local OS user. Each user's memory is a group
     * of its own ({@code user-NAME}).
     */
    static String user(String flag, CommandSpec spec) {
        if (flag != null) {
            if (flag.isBlank()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--user: must not be empty");
            }
            return flag.strip();
        }
        String os = System.getProperty("user.name");
        return os == null || os.isBlank() ? "local" : os;
    }

    RunStore runs() {
        return stores.runs();
    }

    /**
     * The conversation {@code --session NAME} continues: the session's last state if it exists, else a new
     * one by that name (that is how a user names a new conversation). Says which on {@code err}.
     */
    Conversation session(String name, CommandSpec spec, PrintStream err) {
        if (name == null) {
            return Conversation.start(java.util.UUID.randomUUID().toString());
        }
        if (name.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--session: must not be empty");
        }
        if (runs() == RunStore.NONE) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--session: sessions are kept in the memory store, and memory.mode is off");
        }
        Optional<Conversation> known = runs().session(name);
        if (known.isEmpty()) {
            err.println("starting new session " + name);
            return Conversation.start(name);
        }
        // every run of a session adds the user's message once, so the user messages count the runs
        long n = known.get().messages().stream().filter(m -> m instanceof Message.User).count();
        err.println("continuing session " + name + " (" + n + (n == 1 ? " run)" : " runs)"));
        return known.get();
    }

    @Override
    public void close() {
        closeQuietly(toolbox);
        closeQuietly(stores);
        closeQuietly(supervised);
        engines.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(AgentSetup.class).warn("close failed: {}", e.toString());
        }
    }
}
