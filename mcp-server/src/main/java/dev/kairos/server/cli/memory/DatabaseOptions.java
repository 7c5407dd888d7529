package dev.kairos.server.cli.memory;

import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.server.cli.ConfigOption;
import dev.kairos.server.config.ConfigException;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.MemoryConfig;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** Where the memory lives: the config file's {@code memory:} section (as {@code kairos mcp}), then these overrides. */
final class DatabaseOptions {
    @Mixin
    ConfigOption config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Embedded Neo4j data directory. Default: ~/.kairos/data.")
    Path dataDir;

    @Option(names = "--uri", paramLabel = "URI", description = "External Neo4j (bolt://, neo4j://, neo4j+s://) instead of the embedded one.")
    URI uri;

    @Option(names = "--user", description = "External Neo4j user.")
    String user;

    @Option(names = "--password", description = "External Neo4j password. Default: $KAIROS_NEO4J_PASSWORD.",
            defaultValue = "${env:KAIROS_NEO4J_PASSWORD}")
    String password;

    @Option(names = "--database", description = "Neo4j database. Default: neo4j.")
    String database;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to wait for the database to start. Default: ${DEFAULT-VALUE}.")
    int waitSeconds;

    MemoryGraph open(CommandSpec spec) {
        MemorySettings settings = settings(spec);
        java.util.Optional<dev.kairos.memory.Embedder> engineEmbedder;
        try {
            engineEmbedder = dev.kairos.server.config.EmbeddingsConfig.embedder(config.load(spec));
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        MemoryGraph graph = engineEmbedder.map(e -> MemoryGraph.open(settings, e)).orElseGet(() -> MemoryGraph.open(settings));
        MemoryStatus status = graph.awaitReady(Duration.ofSeconds(Math.max(1, waitSeconds)));
        if (!status.isReady()) {
            graph.close();
            throw new CommandLine.ExecutionException(spec.commandLine(), "memory is not ready: " + status.describe());
        }
        return graph;
    }

    /** The memory settings: the config file's {@code memory:} section, then these options. */
    MemorySettings settings(CommandSpec spec) {
        KairosConfig loaded = config.load(spec);
        if (!MemoryConfig.enabled(loaded)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    loaded.source() + ": memory.mode is off; no memory to work with");
        }
        MemorySettings settings = settings(loaded, spec);
        if (dataDir != null) {
            settings = settings.withDataDir(dataDir);
        }
        if (uri != null) {
            settings = settings.withExternal(uri, user, password, database);
        } else if (database != null) {
            settings = settings.withDatabase(database);
        }
        return settings.withReadyTimeout(Duration.ofSeconds(Math.max(1, waitSeconds)));
    }

    private static MemorySettings settings(KairosConfig loaded, CommandSpec spec) {
        try {
            return MemoryConfig.settings(loaded);
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
