package dev.kairos.server.cli;

import dev.kairos.inference.EngineInfo;
import dev.kairos.inference.EngineProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code kairos engines probe}: what serves the engine endpoint and what it can do. */
@Command(name = "engines",
        mixinStandardHelpOptions = true,
        description = "Inspect the inference engines Kairos talks to.",
        subcommands = {EnginesCommand.Probe.class})
public final class EnginesCommand {


    /** {@code kairos engines probe [--engine URL]}. */
    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Probe an engine (vLLM, SGLang, llama.cpp, Ollama, any OpenAI-compatible server): "
                    + "kind, version, readiness, models, context size, slots, tool-calling capabilities.")
    static final class Probe implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        EngineOption engine;

        @Mixin
        ConfigOption config;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "Bound on each probe request (default ${DEFAULT-VALUE} s).")
        int timeoutSeconds;

        @Override
        public Integer call() {
            URI url = engine.resolve(config.file(), spec);
            // A configured endpoint with a supervise block gets its engine started for the probe, then stopped.
            try (SupervisedEngine started = SupervisedEngine.startIfConfigured(EngineOption.configured(config.file(), url), spec)) {
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
