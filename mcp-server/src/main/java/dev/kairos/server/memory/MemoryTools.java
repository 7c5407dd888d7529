package dev.kairos.server.memory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemoryNotReadyException;
import dev.kairos.memory.MemoryStoreException;
import dev.kairos.server.Registry;
import dev.kairos.transports.Caller;
import dev.kairos.transports.SubscriptionGuard;
import dev.kairos.transports.TaskSpec;
import dev.kairos.transports.Tasks;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The memory tools and resources of one {@link Toolset}, bound to a {@link MemoryGraph}.
 *
 * <p>The composition root calls {@link #register(Registry, MemoryGraph, Toolset, String)} once. Every tool answers
 * structured content matching its output schema plus a text copy; bad arguments, unknown uuids, a graph still
 * starting and refused groups all come back as {@code isError: true} results whose message names the field.
 */
public final class MemoryTools {
    private static final Logger log = LoggerFactory.getLogger(MemoryTools.class);
    /**
     * Tools that run as MCP tasks for clients that declare the extension. An import is resumed on another instance
     * by running it again: it skips what is already there (episodes by uuid, entities by name, facts by endpoints,
     * text and valid time), so only what the first run did not store is added.
     */
    private static final Set<String> TASK_TOOLS = Set.of("memory_import");

    private final Toolset toolset;
    private final String defaultGroup;
    private final Consumer<String> resourceUpdated;
    private final ObjectMapper json = new ObjectMapper();
    private final List<SyncToolSpecification> tools = new ArrayList<>();
    private final Map<String, TaskSpec> taskSpecs = new LinkedHashMap<>();
    private final List<SyncResourceTemplateSpecification> templates;
    private final MemoryResources memoryResources;
    private final List<SyncResourceSpecification> resources = new ArrayList<>();

    private MemoryTools(MemoryGraph graph, Toolset toolset, String defaultGroup, Consumer<String> resourceUpdated, MemoryIngest ingest) {
        this.toolset = Objects.requireNonNull(toolset, "toolset");
        this.defaultGroup = Objects.requireNonNull(defaultGroup, "defaultGroup");
        this.resourceUpdated = Objects.requireNonNull(resourceUpdated, "resourceUpdated");
        Objects.requireNonNull(graph, "graph");
        Map<String, ToolBody> bodies = switch (toolset) {
            case KAIROS -> new KairosToolset(graph, ingest).bodies();
            case SERVER_MEMORY -> {
                var sm = new ServerMemoryToolset(graph, json);
                resources.add(sm.knowledgeGraphResource(defaultGroup));
                yield sm.bodies();
            }
            case GRAPHITI -> new GraphitiToolset(graph, new KairosToolset(graph, ingest)).bodies();
        };
        bind(ToolDefinitions.load(toolset, json), bodies);
        this.memoryResources = new MemoryResources(graph, defaultGroup, json);
        this.templates = memoryResources.templates();
    }

    /**
     * Registers the tools of {@code toolset} and the memory resources; writes announce changed resources through
     * {@link Registry#liveServers()}.
     *
     * @param defaultGroup the group used when a caller names none and its transport sets no caller (stdio)
     */
    public static void register(Registry registry, MemoryGraph graph, Toolset toolset, String defaultGroup) {
        register(registry, graph, toolset, defaultGroup, MemoryIngest.OFF);
    }

    /** As {@link #register(Registry, MemoryGraph, Toolset, String)}, with extraction woken by writes and shown in status. */
    public static void register(Registry registry, MemoryGraph graph, Toolset toolset, String defaultGroup, MemoryIngest ingest) {
        MemoryTools memory = new MemoryTools(graph, toolset, defaultGroup, uri -> registry.liveServers().resourceUpdated(uri), ingest);
        for (SyncToolSpecification t : memory.tools()) {
            TaskSpec task = memory.taskSpec(t.tool().name());
            if (task != null) {
                registry.taskTool(t, task);
            } else {
                registry.tool(t);
            }
        }
        memory.resourceTemplates().forEach(registry::resourceTemplate);
        memory.resources().forEach(registry::resource);
        registry.subscriptionGuard(memory.subscriptionGuard());
    }

    /** The same tools without a registry, for embedding them in another server or a test. */
    public static MemoryTools create(MemoryGraph graph, Toolset toolset, String defaultGroup, Consumer<String> resourceUpdated) {
        return new MemoryTools(graph, toolset, defaultGroup, resourceUpdated, MemoryIngest.OFF);
    }

    public Toolset toolset() {
        return toolset;
    }

    public List<SyncToolSpecification> tools() {
        return List.copyOf(tools);
    }

    /** How a tool runs as an MCP task ({@code memory_import}), or null for a tool that answers at once. */
    public TaskSpec taskSpec(String tool) {
        return taskSpecs.get(tool);
    }

    public List<SyncResourceTemplateSpecification> resourceTemplates() {
        return templates;
    }

    public List<SyncResourceSpecification> resources() {
        return List.copyOf(resources);
    }

    /** Who may subscribe to the memory resources: whoever may read them (another tenant's record looks missing). */
    public SubscriptionGuard subscriptionGuard() {
        return memoryResources::checkSubscription;
    }

    private void bind(ToolDefinitions definitions, Map<String, ToolBody> bodies) {
        var unbound = new HashSet<>(bodies.keySet());
        for (var def : definitions.byName().values()) {
            ToolBody body = bodies.get(def.tool().name());
            if (body == null) {
                throw new IllegalStateException(toolset + ": no body for tool " + def.tool().name());
            }
            unbound.remove(def.tool().name());
            SyncToolSpecification spec = SyncToolSpecification.builder()
                    .tool(def.tool())
                    .callHandler((exchange, request) -> call(def, body,
                            Caller.of(exchange, defaultGroup), request.arguments(), progress(exchange, request)))
                    .build();
            tools.add(spec);
            if (TASK_TOOLS.contains(def.tool().name())) {
                // resumed on another instance by running the call again (see TASK_TOOLS)
                taskSpecs.put(def.tool().name(), TaskSpec.optional().resumedBy((exchange, request, state) ->
                        spec.callHandler().apply(exchange, request)));
            }
        }
        if (!unbound.isEmpty()) {
            throw new IllegalStateException(toolset + ": bodies without a tool definition: " + unbound);
        }
    }

    /**
     * Progress notifications for the call's progress token; a task reports its progress in tasks/get whether or not
     * the client asked for notifications. None without an exchange (an in-process call).
     */
    private static Call.Progress progress(McpSyncServerExchange exchange, CallToolRequest request) {
        if (exchange == null) {
            return Call.Progress.NONE;
        }
        Object asked = request.meta() == null ? null : request.meta().get("progressToken");
        Object token = asked == null && Tasks.inTask(exchange) ? "task-" + UUID.randomUUID() : asked;
        if (token == null) {
            return Call.Progress.NONE;
        }
        return (done, total, message) -> {
            try {
                exchange.progressNotification(ProgressNotification.builder(token, done).total(total).message(message).build());
            } catch (RuntimeException e) {
                log.debug("progress notification failed: {}", e.toString());
            }
        };
    }

    private CallToolResult call(ToolDefinitions.Definition def, ToolBody body, Caller caller, Map<String, Object> arguments,
                                Call.Progress progress) {
        String tool = def.tool().name();
        Call call = new Call(caller, new Args(arguments), progress);
        ToolOutput output;
        try {
            output = body.run(call);
        } catch (MemoryInputException | MemoryNotFoundException | RefusedException e) {
            log.debug("{} refused for {}: {}", tool, caller.principal(), e.getMessage());
            return error(def, e.getMessage());
        } catch (MemoryNotReadyException e) {
            log.info("{}: {}", tool, e.getMessage());
            return error(def, e.getMessage());
        } catch (MemoryStoreException e) {
            log.warn("{} failed in the store", tool, e);
            return error(def, "memory store error: " + e.getMessage());
        } catch (RuntimeException e) {
            log.error("{} failed", tool, e);
            // the exception is in the server's log; its text (Java internals) stays out of the answer
            return error(def, "internal error in " + tool + "; the server log has the details");
        }
        for (String uri : call.changed()) {
            resourceUpdated.accept(uri);
        }
        Object structured = def.resultWrapped() ? Map.of("result", output.structured()) : output.structured();
        return CallToolResult.builder()
                .structuredContent(structured)
                .addTextContent(output.text() != null ? output.text() : pretty(output.structured()))
                .isError(false)
                .build();
    }

    /** An error result in the toolset's own manner: Graphiti answers its {@code ErrorResponse} shape, the others text. */
    private CallToolResult error(ToolDefinitions.Definition def, String message) {
        var b = CallToolResult.builder().isError(true);
        if (def.resultWrapped()) {
            var structured = Map.of("result", Map.of("error", message));
            return b.structuredContent(structured).addTextContent(pretty(structured.get("result"))).build();
        }
        return b.addTextContent(message).build();
    }

    private String pretty(Object value) {
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a tool result as JSON", e);
        }
    }
}
