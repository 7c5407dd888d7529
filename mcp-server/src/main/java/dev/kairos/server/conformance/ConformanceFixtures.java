package dev.kairos.server.conformance;

import dev.kairos.server.Registry;
import dev.kairos.transports.LiveServers;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;

import java.util.List;

/**
 * The test-only tools, resources and prompts that the official MCP conformance suite calls, plus a
 * plain {@code echo} tool for benchmarks; registered only under {@code --conformance-fixtures}.
 */
public final class ConformanceFixtures {
    private ConformanceFixtures() {
    }

    /** Adds every fixture to the registry. */
    public static void register(Registry registry) {
        Fixtures fixtures = Fixtures.of(registry.liveServers());
        fixtures.tools().forEach(registry::tool);
        fixtures.resources().forEach(registry::resource);
        fixtures.templates().forEach(registry::resourceTemplate);
        fixtures.prompts().forEach(registry::prompt);
        fixtures.completions().forEach(registry::completion);
        for (TaskFixtures.Fixture f : TaskFixtures.all()) {
            if (f.task() == null) {
                registry.tool(f.tool());
            } else {
                registry.taskTool(f.tool(), f.task());
            }
        }
    }

    /** All fixtures as SDK specifications; the watched resource announces its changes through {@code liveServers}. */
    record Fixtures(List<SyncToolSpecification> tools,
               List<SyncResourceSpecification> resources,
               List<SyncResourceTemplateSpecification> templates,
               List<SyncPromptSpecification> prompts,
               List<SyncCompletionSpecification> completions) {

        static Fixtures of(LiveServers liveServers) {
            WatchedResource watched = new WatchedResource(liveServers);
            return new Fixtures(concat(new FixtureTools(watched).all(), RoundTripFixtures.tools()), FixtureResources.resources(watched),
                    FixtureResources.templates(), concat(FixturePrompts.prompts(), RoundTripFixtures.prompts()), FixturePrompts.completions());
        }

        private static <T> List<T> concat(List<T> a, List<T> b) {
            return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
        }
    }
}
