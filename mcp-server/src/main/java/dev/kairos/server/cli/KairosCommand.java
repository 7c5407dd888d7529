package dev.kairos.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root of the {@code kairos} command line; every feature adds its subcommand here. */
@Command(name = "kairos",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "MCP tool server and agent orchestrator with a temporal knowledge-graph memory.",
        subcommands = {
                CommandLine.HelpCommand.class,
                VersionCommand.class,
                EnginesCommand.class,
                ChatCommand.class,
                McpCommand.class,
                ServeCommand.class,
                FsmCommand.class,
                MemoryCommand.class,
        })
public final class KairosCommand {

    /** Runs the command line and returns the exit code; usage errors name the bad option. */
    public static int run(String... args) {
        return new CommandLine(new KairosCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
    }
}
