package dev.kairos.server.cli;

import dev.kairos.server.config.ConfigException;
import dev.kairos.server.config.ConfigLoader;
import dev.kairos.server.config.KairosConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code -c/--config FILE}, the same on every command that reads the config file: add it with {@code @Mixin}. */
public final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Config file (YAML or JSON). Default: $KAIROS_CONFIG, ./kairos.yaml, ~/.kairos/kairos.yaml.")
    Path file;

    /** The file named on the command line; null: the default search. */
    public Path file() {
        return file;
    }

    /** The config; a bad file throws {@link ConfigException}, reported as a failure naming the file and key. */
    public KairosConfig load() {
        return ConfigLoader.load(file);
    }

    /** The config; a bad file is a usage error of {@code spec}'s command, naming the file and key. */
    public KairosConfig load(CommandSpec spec) {
        try {
            return load();
        } catch (ConfigException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
