package dev.kairos.server.cli;

import dev.kairos.server.cli.memory.MemoryCommand;
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
                RunCommand.class,
                RunsCommand.class,
                ToolsCommand.class,
        })
public final class KairosCommand {

    /** Runs the command line and returns the exit code; usage errors name the bad option. */
    public static int run(String... args) {
        return new CommandLine(new KairosCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(KairosCommand::report)
                .execute(args);
    }

    /**
     * A failure is one line that says what is wrong (a config key, a port in use, an unsafe bind),
     * not a stack trace; {@code KAIROS_DEBUG=1} adds the trace.
     */
    private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.toString().contains(cause.getMessage())) {
                message.append(": ").append(cause.getMessage());
            }
        }
        cmd.getErr().println("kairos: " + message);
        if (System.getenv("KAIROS_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
        }
        cmd.getErr().flush();
        return 1;
    }
}
