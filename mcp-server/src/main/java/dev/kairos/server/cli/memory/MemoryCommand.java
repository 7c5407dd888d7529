package dev.kairos.server.cli.memory;

import picocli.CommandLine.Command;

/**
 * {@code kairos memory add | search | timeline | stats | import | export}: the memory graph from the terminal.
 * Each subcommand is a {@link GraphCommand} in its own file; adding one is a line in the list below.
 */
@Command(name = "memory",
        mixinStandardHelpOptions = true,
        description = "Work with the temporal memory graph from the terminal.",
        subcommands = {
                AddCommand.class,
                SearchCommand.class,
                TimelineCommand.class,
                StatsCommand.class,
                ImportCommand.class,
                ExportCommand.class,
                ReembedCommand.class,
                MemoryRetryCommand.class,
        })
public final class MemoryCommand {
}
