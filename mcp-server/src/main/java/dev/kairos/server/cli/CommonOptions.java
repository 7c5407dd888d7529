package dev.kairos.server.cli;

import dev.kairos.server.Application;
import dev.kairos.server.config.KairosConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the commands that run the server. */
public final class CommonOptions {
    @Mixin
    ConfigOption config;

    @Option(names = "--conformance-fixtures", hidden = false,
            description = "TEST ONLY: also expose the test_* tools, test:// resources and test_* prompts "
                    + "that the official MCP conformance suite calls. Never use in production.")
    boolean conformanceFixtures;

    @Option(names = "--toolset", paramLabel = "NAME",
            description = "Memory tools to offer: kairos (default), server-memory (drop-in for "
                    + "@modelcontextprotocol/server-memory) or graphiti (drop-in for Graphiti's MCP server).")
    String toolset;

    public KairosConfig loadConfig() {
        return config.load();
    }

    public Application.Options applicationOptions() {
        return new Application.Options(conformanceFixtures, toolset);
    }
}
