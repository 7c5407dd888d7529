package dev.kairos.inference;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The inference section of the configuration: the engine endpoints Kairos may use.
 *
 * <p>Every check names the key that is wrong ({@code inference.endpoints[1].parallelSlots: ...}).
 */
public record InferenceSettings(List<Endpoint> endpoints, Duration probeCacheTtl) {

    /** How the endpoint is spoken to. */
    public enum Provider { OPENAI, OLLAMA }

    /** Which engine serves the endpoint; decides the wire quirks. AUTO asks the capability probe. */
    public enum Engine { AUTO, VLLM, SGLANG, LLAMA_CPP, OLLAMA, LM_STUDIO, GENERIC }

    /** The part a model plays: a small fast one for simple steps, a large one for hard ones. */
    public enum Role { SMALL, LARGE, ANY }

    /**
     * How tool calls travel: the engine's native tool calling, or a text protocol we parse ourselves.
     * AUTO (an endpoint whose config names none) asks the capability probe: native where the engine
     * can call tools, else the text protocol that suits the model ({@link Engines#toolProtocolFor}).
     */
    public enum ToolProtocol { AUTO, NATIVE, HERMES, LLAMA3_JSON, REACT, JSON_ACTION }

    /** Time limits of one call. */
    public record Timeouts(Duration connect, Duration firstToken, Duration total, Duration slotWait) {
        public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(60),
                Duration.ofMinutes(5), Duration.ofSeconds(30));

        public Timeouts {
            positive("connect", connect);
            positive("firstToken", firstToken);
            positive("total", total);
            positive("slotWait", slotWait);
        }

        private static void positive(String key, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts." + key + ": must be a positive duration, was " + d);
            }
        }
    }

    /** Retries on 429/503/connection reset, with exponential backoff capped at maxBackoff. */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        public static final Retry DEFAULTS = new Retry(4, Duration.ofMillis(500), Duration.ofSeconds(20));

        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("retry.maxAttempts: must be >= 1, was " + maxAttempts);
            }
            if (initialBackoff == null || initialBackoff.isNegative() || initialBackoff.isZero()) {
                throw new IllegalArgumentException("retry.initialBackoff: must be positive, was " + initialBackoff);
            }
            if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
                throw new IllegalArgumentException("retry.maxBackoff: must be >= initialBackoff, was " + maxBackoff);
            }
        }
    }

    /**
     * A local engine process Kairos starts for the endpoint when it is not answering: the command, its
     * working directory and environment, the readiness path (default by engine: {@code /health}, Ollama
     * {@code /api/version}), how long to wait for it, and the restart backoff.
     */
    public record Supervise(List<String> command, Path workdir, Map<String, String> env, String readyPath,
                            Duration readyTimeout, Duration restartBackoff, Duration maxRestartBackoff,
                            int maxRestarts, Duration stopGrace) {
        public Supervise {
            if (command == null || command.isEmpty() || command.getFirst() == null || command.getFirst().isBlank()) {
                throw new IllegalArgumentException("supervise.command: must name the program to run, e.g. [llama-server, -m, model.gguf]");
            }
            for (int i = 0; i < command.size(); i++) {
                if (command.get(i) == null) {
                    throw new IllegalArgumentException("supervise.command[" + i + "]: is empty");
                }
            }
            command = List.copyOf(command);
            env = env == null ? Map.of() : Map.copyOf(env);
            if (readyPath != null && !readyPath.startsWith("/")) {
                throw new IllegalArgumentException("supervise.ready_path: must start with '/', was '" + readyPath + "'");
            }
            readyTimeout = positiveOr("ready_timeout", readyTimeout, Duration.ofMinutes(10));
            restartBackoff = positiveOr("restart_backoff", restartBackoff, Duration.ofSeconds(1));
            maxRestartBackoff = positiveOr("max_restart_backoff", maxRestartBackoff, Duration.ofMinutes(1));
            if (maxRestartBackoff.compareTo(restartBackoff) < 0) {
                throw new IllegalArgumentException("supervise.max_restart_backoff: must be >= restart_backoff, was " + maxRestartBackoff);
            }
            stopGrace = positiveOr("stop_grace", stopGrace, Duration.ofSeconds(10));
            if (maxRestarts < 0) {
                throw new IllegalArgumentException("supervise.max_restarts: must be >= 0, was " + maxRestarts);
            }
        }

        /** Runs {@code command} with the defaults: 10 min to become ready, 5 restarts from 1 s backoff. */
        public static Supervise of(List<String> command) {
            return new Supervise(command, null, null, null, null, null, null, 5, null);
        }

        private static Duration positiveOr(String key, Duration d, Duration fallback) {
            if (d == null) {
                return fallback;
            }
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("supervise." + key + ": must be a positive duration, was " + d);
            }
            return d;
        }
    }

    /** One engine endpoint and the model served there; {@code supervise} (optional) starts its engine. */
    public record Endpoint(String name, URI url, String model, Provider provider, Engine engine, Role role,
                           int parallelSlots, ToolProtocol toolProtocol, String apiKey,
                           Timeouts timeouts, Retry retry, Supervise supervise) {
        /** An endpoint whose engine runs elsewhere (not supervised). */
        public Endpoint(String name, URI url, String model, Provider provider, Engine engine, Role role,
                        int parallelSlots, ToolProtocol toolProtocol, String apiKey, Timeouts timeouts, Retry retry) {
            this(name, url, model, provider, engine, role, parallelSlots, toolProtocol, apiKey, timeouts, retry, null);
        }

        public Endpoint {
            Objects.requireNonNull(url, "url: is required");
            String scheme = url.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("url: must be http:// or https://, was '" + url + "'");
            }
            if (url.getHost() == null) {
                throw new IllegalArgumentException("url: has no host: '" + url + "'");
            }
            name = name == null || name.isBlank() ? url.getHost() + ":" + url.getPort() : name;
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("model: is required (the model name the engine serves)");
            }
            provider = provider == null ? Provider.OPENAI : provider;
            engine = engine == null ? (provider == Provider.OLLAMA ? Engine.OLLAMA : Engine.AUTO) : engine;
            role = role == null ? Role.ANY : role;
            if (parallelSlots < 1 || parallelSlots > 4096) {
                throw new IllegalArgumentException("parallelSlots: must be in [1, 4096], was " + parallelSlots);
            }
            toolProtocol = toolProtocol == null ? ToolProtocol.AUTO : toolProtocol;
            timeouts = timeouts == null ? Timeouts.DEFAULTS : timeouts;
            retry = retry == null ? Retry.DEFAULTS : retry;
        }

        /** An endpoint with the defaults: OpenAI-compatible, any role, 4 slots, native tool calls. */
        public static Endpoint of(URI url, String model) {
            return new Endpoint(null, url, model, Provider.OPENAI, Engine.AUTO, Role.ANY, 4, ToolProtocol.NATIVE,
                    null, Timeouts.DEFAULTS, Retry.DEFAULTS);
        }

        public Endpoint withName(String n) {
            return new Endpoint(n, url, model, provider, engine, role, parallelSlots, toolProtocol, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withProvider(Provider p) {
            return new Endpoint(name, url, model, p, p == Provider.OLLAMA ? Engine.OLLAMA : engine, role,
                    parallelSlots, toolProtocol, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withEngine(Engine e) {
            return new Endpoint(name, url, model, provider, e, role, parallelSlots, toolProtocol, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withRole(Role r) {
            return new Endpoint(name, url, model, provider, engine, r, parallelSlots, toolProtocol, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withParallelSlots(int s) {
            return new Endpoint(name, url, model, provider, engine, role, s, toolProtocol, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withToolProtocol(ToolProtocol p) {
            return new Endpoint(name, url, model, provider, engine, role, parallelSlots, p, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withTimeouts(Timeouts t) {
            return new Endpoint(name, url, model, provider, engine, role, parallelSlots, toolProtocol, apiKey, t, retry, supervise);
        }

        public Endpoint withRetry(Retry r) {
            return new Endpoint(name, url, model, provider, engine, role, parallelSlots, toolProtocol, apiKey, timeouts, r, supervise);
        }

        public Endpoint withModel(String m) {
            return new Endpoint(name, url, m, provider, engine, role, parallelSlots, toolProtocol, apiKey, timeouts, retry, supervise);
        }

        public Endpoint withSupervise(Supervise s) {
            return new Endpoint(name, url, model, provider, engine, role, parallelSlots, toolProtocol, apiKey, timeouts, retry, s);
        }

        /** Where the supervisor asks whether the engine is up: the configured path, else the engine's. */
        public URI readinessUrl() {
            String path = supervise != null && supervise.readyPath() != null ? supervise.readyPath()
                    : engine == Engine.OLLAMA ? "/api/version" : engine == Engine.GENERIC || engine == Engine.LM_STUDIO ? "/v1/models" : "/health";
            return url.resolve(path);
        }
    }

    public InferenceSettings {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        probeCacheTtl = probeCacheTtl == null ? Duration.ofMinutes(5) : probeCacheTtl;
        Set<String> names = new HashSet<>();
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (e == null) {
                throw new IllegalArgumentException("inference.endpoints[" + i + "]: is empty");
            }
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("inference.endpoints[" + i + "].name: duplicate name '" + e.name() + "'");
            }
        }
        if (probeCacheTtl.isNegative()) {
            throw new IllegalArgumentException("inference.probeCacheTtl: must not be negative, was " + probeCacheTtl);
        }
    }

    /** No endpoints configured: the composition root falls back to {@code KAIROS_ENGINE_URL}. */
    public static InferenceSettings defaults() {
        return new InferenceSettings(List.of(), Duration.ofMinutes(5));
    }

    /** Builds an endpoint from raw config values, prefixing any error with its key path. */
    public static Endpoint endpoint(int index, java.util.function.Supplier<Endpoint> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("inference.endpoints[" + index + "]." + e.getMessage(), e);
        }
    }
}
