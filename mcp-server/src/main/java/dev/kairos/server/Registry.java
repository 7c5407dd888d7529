package dev.kairos.server;

import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import dev.kairos.transports.SubscriptionGuard;
import dev.kairos.transports.TaskSpec;
import dev.kairos.transports.Tasks;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where each subsystem plugs its MCP tools, resources and prompts in, once, at start-up.
 *
 * <p>Names must be unique: a second tool or prompt with the same name is a wiring bug and fails
 * start-up instead of silently shadowing the first.
 */
public final class Registry {
    private final List<SyncToolSpecification> tools = new ArrayList<>();
    private final List<SyncResourceSpecification> resources = new ArrayList<>();
    private final List<SyncResourceTemplateSpecification> templates = new ArrayList<>();
    private final List<SyncPromptSpecification> prompts = new ArrayList<>();
    private final List<SyncCompletionSpecification> completions = new ArrayList<>();
    private final Set<String> names = new LinkedHashSet<>();
    private final java.util.Map<String, TaskSpec> taskSpecs = new java.util.LinkedHashMap<>();
    private final LiveServers liveServers;
    private SubscriptionGuard subscriptions = SubscriptionGuard.ANY;

    public Registry(LiveServers liveServers) {
        this.liveServers = liveServers;
    }

    public Registry tool(SyncToolSpecification spec) {
        claim("tool " + spec.tool().name());
        tools.add(spec);
        return this;
    }

    /** A tool that may also run as an MCP task (for clients that declare the tasks extension). */
    public Registry taskTool(SyncToolSpecification spec, TaskSpec task) {
        tool(spec);
        taskSpecs.put(spec.tool().name(), task);
        return this;
    }

    public Registry resource(SyncResourceSpecification spec) {
        claim("resource " + spec.resource().uri());
        resources.add(spec);
        return this;
    }

    public Registry resourceTemplate(SyncResourceTemplateSpecification spec) {
        claim("template " + spec.resourceTemplate().uriTemplate());
        templates.add(spec);
        return this;
    }

    public Registry prompt(SyncPromptSpecification spec) {
        claim("prompt " + spec.prompt().name());
        prompts.add(spec);
        return this;
    }

    /** Adds a rule for {@code resources/subscribe}; a subscription must pass every rule added. */
    public Registry subscriptionGuard(SubscriptionGuard guard) {
        subscriptions = subscriptions == SubscriptionGuard.ANY ? guard : subscriptions.and(guard);
        return this;
    }

    public Registry completion(SyncCompletionSpecification spec) {
        completions.add(spec);
        return this;
    }

    /** Announces a changed resource to its subscribers on every transport. */
    public LiveServers liveServers() {
        return liveServers;
    }

    /** The registered tool specifications, in registration order (for in-process calls). */
    public List<SyncToolSpecification> toolSpecifications() {
        return List.copyOf(tools);
    }

    public List<String> toolNames() {
        return tools.stream().map(t -> t.tool().name()).toList();
    }

    McpFeatures features(String version, String instructions, Tasks tasks) {
        taskSpecs.forEach(tasks::register);
        return new McpFeatures("kairos", version, instructions, tools, resources, templates, prompts, completions, subscriptions, tasks);
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("registered twice: " + name);
        }
    }
}
