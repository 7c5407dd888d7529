package dev.kairos.server.cli;

import dev.kairos.inference.InferenceSettings;
import dev.kairos.server.config.ConfigLoader;
import dev.kairos.server.config.InferenceConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code --engine URL}, the same on every command that talks to an inference engine: add it with {@code @Mixin},
 * beside {@link ConfigOption}, whose file may name the engine instead.
 */
public final class EngineOption {
    @Option(names = "--engine", paramLabel = "URL",
            description = "Engine base URL. Default: $KAIROS_ENGINE_URL, else the config's first endpoint.")
    URI url;

    /**
     * The engine URL: the flag, else {@code KAIROS_ENGINE_URL}, else the first endpoint of the config
     * file's {@code inference.endpoints}; a clear error when none is set.
     */
    public URI resolve(Path config, CommandSpec spec) {
        return resolve(url, config, spec);
    }

    static URI resolve(URI flag, Path config, CommandSpec spec) {
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
        return InferenceConfig.settings(ConfigLoader.load(config)).endpoints().stream().findFirst()
                .map(InferenceSettings.Endpoint::url).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                        "no engine: pass --engine URL, set KAIROS_ENGINE_URL, or list one under inference.endpoints in kairos.yaml"));
    }

    /** The configured endpoint at {@code url}: it brings model, provider, timeouts and its {@code supervise} block. */
    public static Optional<InferenceSettings.Endpoint> configured(Path config, URI url) {
        return InferenceConfig.settings(ConfigLoader.load(config)).endpoints().stream()
                .filter(e -> e.url().equals(url)).findFirst();
    }
}
