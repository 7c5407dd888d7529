package dev.kairos.transports;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;

import java.util.List;

/**
 * Everything one MCP server exposes: tools, resources, templates, prompts and completions.
 *
 * <p>Each transport builds its own SDK server from the same features, so stdio, Streamable HTTP and
 * legacy SSE always offer exactly the same surface.
 *
 * @param subscriptions who may subscribe to which resource (checked by the HTTP host before the SDK sees the request)
 * @param tasks         which tools run as MCP tasks, and where tasks are kept (null: none)
 */
public record McpFeatures(
        String name,
        String version,
        String instructions,
        List<SyncToolSpecification> tools,
        List<SyncResourceSpecification> resources,
        List<SyncResourceTemplateSpecification> resourceTemplates,
        List<SyncPromptSpecification> prompts,
        List<SyncCompletionSpecification> completions,
        SubscriptionGuard subscriptions,
        Tasks tasks) {

    /** How long a request to the client (elicitation, sampling) may take to be answered. */
    public static final java.time.Duration CLIENT_REQUEST_TIMEOUT = java.time.Duration.ofMinutes(5);

    public McpFeatures {
        tools = List.copyOf(tools);
        resources = List.copyOf(resources);
        resourceTemplates = List.copyOf(resourceTemplates);
        prompts = List.copyOf(prompts);
        completions = List.copyOf(completions);
        subscriptions = subscriptions == null ? SubscriptionGuard.ANY : subscriptions;
    }

    public McpFeatures(String name, String version, String instructions, List<SyncToolSpecification> tools,
                       List<SyncResourceSpecification> resources, List<SyncResourceTemplateSpecification> resourceTemplates,
                       List<SyncPromptSpecification> prompts, List<SyncCompletionSpecification> completions,
                       SubscriptionGuard subscriptions) {
        this(name, version, instructions, tools, resources, resourceTemplates, prompts, completions, subscriptions, null);
    }

    /** Features whose resources anyone may subscribe to. */
    public McpFeatures(String name, String version, String instructions, List<SyncToolSpecification> tools,
                       List<SyncResourceSpecification> resources, List<SyncResourceTemplateSpecification> resourceTemplates,
                       List<SyncPromptSpecification> prompts, List<SyncCompletionSpecification> completions) {
        this(name, version, instructions, tools, resources, resourceTemplates, prompts, completions, SubscriptionGuard.ANY);
    }

    /** The same features with every tool call counted in {@code inFlight}, for graceful shutdown. */
    public McpFeatures trackedBy(InFlight inFlight) {
        List<SyncToolSpecification> tracked = tools.stream()
                .map(t -> new SyncToolSpecification(t.tool(),
                        (exchange, request) -> inFlight.track(() -> t.callHandler().apply(exchange, request))))
                .toList();
        return new McpFeatures(name, version, instructions, tracked, resources, resourceTemplates, prompts, completions, subscriptions, tasks);
    }

    /** The same features with each tool call's exchange offered to {@code clients} (stdio and legacy SSE sessions). */
    public McpFeatures offeringSampling(SamplingClients clients) {
        List<SyncToolSpecification> offering = tools.stream()
                .map(t -> new SyncToolSpecification(t.tool(), (exchange, request) -> {
                    clients.offer(exchange);
                    return t.callHandler().apply(exchange, request);
                }))
                .toList();
        return new McpFeatures(name, version, instructions, offering, resources, resourceTemplates, prompts, completions, subscriptions, tasks);
    }

    /** Applies these features to an SDK server specification of any transport kind. */
    public <S extends McpServer.SyncSpecification<S>> McpServer.SyncSpecification<S> applyTo(McpServer.SyncSpecification<S> spec) {
        var capabilities = McpSchema.ServerCapabilities.builder()
                .tools(true)
                .resources(true, true)
                .prompts(true)
                .logging();
        if (!completions.isEmpty()) {
            capabilities.completions();
        }
        spec.serverInfo(name, version)
                // Requests to the client (elicitation, sampling) wait for a person or a model: the SDK's 10 s is too short.
                .requestTimeout(CLIENT_REQUEST_TIMEOUT)
                .capabilities(capabilities.build())
                .tools(tools)
                .resources(resources)
                .resourceTemplates(resourceTemplates)
                .prompts(prompts)
                .completions(completions);
        if (instructions != null) {
            spec.instructions(instructions);
        }
        return spec;
    }
}
