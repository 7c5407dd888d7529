package dev.kairos.server.cli;

import dev.kairos.inference.EngineInfo;
import dev.kairos.inference.EngineProbe;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.server.config.ConfigLoader;
import dev.kairos.server.config.InferenceConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code kairos engines probe}: what serves the engine endpoint and what it can do. */
@Command(name = "engines",
        mixinStandardHelpOptions = true,
        description = "Inspect the inference engines Kairos talks to.",
        subcommands = {EnginesCommand.Probe.class})
public final class EnginesCommand {

    /**
     * The engine URL: the flag, else {@code KAIROS_ENGINE_URL}, else the first endpoint of the config
     * file's {@code inference.endpoints}; a clear error when none is set.
     */
    static URI engineUrl(URI flag, Path config, CommandSpec spec) {
        if (flag != null) {
            return flag;
        }
        String env = System.getenv("KAIROS_ENGINE_URL");
        if (env != null && !env.isBlank()) {
            try {
                return URI.create(env.trim());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "KAIROS_ENGINE_URL: not a URL: '" + env + "'");
            }
        }
        return configuredEndpoint(config).map(InferenceSettings.Endpoint::url).orElseThrow(() ->
                new CommandLine.ParameterException(spec.commandLine(),
                        "no engine: pass --engine URL, set KAIROS_ENGINE_URL, or list one under inference.endpoints in kairos.yaml"));
    }

    /** The first endpoint of the config file, used when neither flag nor environment names an engine. */
    static Optional<InferenceSettings.Endpoint> configuredEndpoint(Path config) {
        return InferenceConfig.settings(ConfigLoader.load(config)).endpoints().stream().findFirst();
    }

    /** The configured endpoint at {@code url}: it brings model, provider, timeouts and its {@code supervise} block. */
    static Optional<InferenceSettings.Endpoint> configuredEndpoint(Path config, URI url) {
        return InferenceConfig.settings(ConfigLoader.load(config)).endpoints().stream()
                .filter(e -> e.url().equals(url)).findFirst();
    }

    /** {@code kairos engines probe [--engine URL]}. */
    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Probe an engine (vLLM, SGLang, llama.cpp, Ollama, any OpenAI-compatible server): "
                    + "kind, version, readiness, models, context size, slots, tool-calling capabilities.")
    static final class Probe implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--engine", paramLabel = "URL", description = "Engine base URL. Default: $KAIROS_ENGINE_URL.")
        URI engine;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Config file (YAML or JSON). Default: $KAIROS_CONFIG, ./kairos.yaml, ~/.kairos/kairos.yaml.")
        Path config;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "Bound on each probe request (default ${DEFAULT-VALUE} s).")
        int timeoutSeconds;

        @Override
        public Integer call() {
            URI url = engineUrl(engine, config, spec);
            // A configured endpoint with a supervise block gets its engine started for the probe, then stopped.
            try (SupervisedEngine started = SupervisedEngine.startIfConfigured(configuredEndpoint(config, url), spec)) {
                EngineInfo info = new EngineProbe(Duration.ZERO, Duration.ofSeconds(Math.max(1, timeoutSeconds))).probe(url);
                info.describe().forEach(spec.commandLine().getOut()::println);
                if (started.started()) {
                    spec.commandLine().getOut().println("supervised: started by kairos, stopped on exit");
                }
                spec.commandLine().getOut().flush();
                return info.reachable() && info.ready() ? 0 : 1;
            }
        }
    }
}
