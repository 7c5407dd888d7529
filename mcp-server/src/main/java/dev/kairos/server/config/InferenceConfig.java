package dev.kairos.server.config;

import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.InferenceSettings.Endpoint;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code inference:} section: the engine endpoints Kairos may call.
 *
 * <pre>
 * inference:
 *   endpoints:
 *     - name: local
 *       url: http://127.0.0.1:8000
 *       model: Qwen/Qwen2.5-7B-Instruct
 *       provider: openai            # openai (any /v1 server) or ollama (native /api/chat)
 *       engine: auto                # auto, vllm, sglang, llama_cpp, ollama, lm_studio, generic
 *       role: any                   # small, large or any (routing)
 *       parallel_slots: 4
 *       tool_protocol: auto         # auto (the probe decides), native, hermes, llama3_json, react, json_action
 *       api_key_env: MY_ENGINE_KEY
 *       timeouts: {connect: 5s, first_token: 60s, total: 10m, slot_wait: 30s}
 *       retry: {max_attempts: 4, initial_backoff: 500ms, max_backoff: 20s}
 *   probe_cache_ttl: 5m
 * </pre>
 */
public record InferenceConfig(List<EndpointConfig> endpoints, String probeCacheTtl) {

    /** One endpoint as written in the file. */
    public record EndpointConfig(String name, String url, String model, String provider, String engine, String role,
                                 Integer parallelSlots, String toolProtocol, String apiKey, String apiKeyEnv,
                                 TimeoutsConfig timeouts, RetryConfig retry, SuperviseConfig supervise) {
    }

    public record SuperviseConfig(List<String> command, String workdir, Map<String, String> env, String readyPath,
                                  String readyTimeout, String restartBackoff, String maxRestartBackoff,
                                  Integer maxRestarts, String stopGrace) {
    }

    public record TimeoutsConfig(String connect, String firstToken, String total, String slotWait) {
    }

    public record RetryConfig(Integer maxAttempts, String initialBackoff, String maxBackoff) {
    }

    /** Binds and validates the section; errors name {@code inference.<key>} and the file. */
    public static InferenceSettings settings(KairosConfig config) {
        InferenceConfig c = ConfigLoader.bind(config.source(), "inference", config.inference(), InferenceConfig.class);
        try {
            List<Endpoint> endpoints = new ArrayList<>();
            List<EndpointConfig> raw = c.endpoints() == null ? List.of() : c.endpoints();
            for (int i = 0; i < raw.size(); i++) {
                EndpointConfig e = raw.get(i);
                int index = i;
                endpoints.add(InferenceSettings.endpoint(index, () -> endpoint(e, config.env(), baseDir(config))));
            }
            return new InferenceSettings(endpoints, c.probeCacheTtl() == null ? null : Durations.parse(c.probeCacheTtl()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.source() + ": " + e.getMessage());
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String key, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": unknown value '" + text + "' (one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList() + ")");
        }
    }

    private static Duration duration(String text, Duration fallback) {
        return text == null ? fallback : Durations.parse(text);
    }

    /** Relative paths in the file are relative to the file; without a file, to the working directory. */
    private static Path baseDir(KairosConfig config) {
        Path source = "defaults".equals(config.source()) ? null : Path.of(config.source()).toAbsolutePath().getParent();
        return source != null ? source : Path.of("").toAbsolutePath();
    }

    private static InferenceSettings.Supervise supervise(SuperviseConfig s, Path baseDir) {
        if (s == null) {
            return null;
        }
        Path workdir = null;
        if (s.workdir() != null) {
            try {
                workdir = baseDir.resolve(s.workdir().trim());
            } catch (InvalidPathException bad) {
                throw new IllegalArgumentException("supervise.workdir: not a path: '" + s.workdir() + "'");
            }
            if (!Files.isDirectory(workdir)) {
                throw new IllegalArgumentException("supervise.workdir: no such directory: " + workdir);
            }
        }
        return new InferenceSettings.Supervise(s.command(), workdir, s.env(), s.readyPath(),
                superviseDuration("ready_timeout", s.readyTimeout()), superviseDuration("restart_backoff", s.restartBackoff()),
                superviseDuration("max_restart_backoff", s.maxRestartBackoff()),
                s.maxRestarts() == null ? 5 : s.maxRestarts(), superviseDuration("stop_grace", s.stopGrace()));
    }

    private static Duration superviseDuration(String key, String text) {
        try {
            return text == null ? null : Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("supervise." + key + ": " + e.getMessage(), e);
        }
    }

    static Endpoint endpoint(EndpointConfig e, Map<String, String> env, Path baseDir) {
        String key = e.apiKey();
        if (e.apiKeyEnv() != null) {
            key = env.get(e.apiKeyEnv());
            if (key == null) {
                throw new IllegalArgumentException("api_key_env: environment variable " + e.apiKeyEnv() + " is not set");
            }
        }
        InferenceSettings.Timeouts d = InferenceSettings.Timeouts.DEFAULTS;
        TimeoutsConfig t = e.timeouts();
        InferenceSettings.Timeouts timeouts = t == null ? null : new InferenceSettings.Timeouts(
                duration(t.connect(), d.connect()), duration(t.firstToken(), d.firstToken()),
                duration(t.total(), d.total()), duration(t.slotWait(), d.slotWait()));
        InferenceSettings.Retry r0 = InferenceSettings.Retry.DEFAULTS;
        RetryConfig r = e.retry();
        InferenceSettings.Retry retry = r == null ? null : new InferenceSettings.Retry(
                r.maxAttempts() == null ? r0.maxAttempts() : r.maxAttempts(),
                duration(r.initialBackoff(), r0.initialBackoff()), duration(r.maxBackoff(), r0.maxBackoff()));
        if (e.url() == null) {
            throw new IllegalArgumentException("url: is required");
        }
        URI url;
        try {
            url = URI.create(e.url().trim());
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException("url: not a URL: '" + e.url() + "'");
        }
        return new Endpoint(e.name(), url, e.model(),
                parse(InferenceSettings.Provider.class, "provider", e.provider()),
                parse(InferenceSettings.Engine.class, "engine", e.engine()),
                parse(InferenceSettings.Role.class, "role", e.role()),
                e.parallelSlots() == null ? 4 : e.parallelSlots(),
                parse(InferenceSettings.ToolProtocol.class, "tool_protocol", e.toolProtocol()),
                key, timeouts, retry, supervise(e.supervise(), baseDir));
    }
}
