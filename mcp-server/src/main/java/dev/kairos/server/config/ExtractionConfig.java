package dev.kairos.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.kairos.inference.InferenceSettings;
import dev.kairos.inference.InferenceSettings.Endpoint;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code memory.extraction:} section: which model turns episodes into entities and facts.
 *
 * <pre>
 * memory:
 *   extraction:
 *     endpoint: http://127.0.0.1:8000   # an engine URL, or the name of an inference endpoint
 *     model: qwen2.5-7b-instruct         # required with a URL
 *     engine: auto                       # as inference.endpoints[].engine
 *     provider: openai                   # openai or ollama
 *     api_key_env: MY_ENGINE_KEY
 *     parallel_groups: 4                 # groups extracted at once (default: the endpoint's parallel_slots)
 *     max_attempts: 3                    # engine failures per episode before it is marked failed
 *     sampling: true                     # without an engine, ask a connected MCP client's model
 *     enabled: true                      # false: episodes stay pending
 * </pre>
 *
 * Without {@code endpoint}, the inference section's small model (role small) or its first endpoint is used; without
 * any, the model of an MCP client that offers sampling; otherwise episodes stay pending and status says why.
 */
public record ExtractionConfig(Boolean enabled, String endpoint, String model, String engine, String provider,
                               String apiKeyEnv, Integer parallelGroups, Integer maxAttempts, Boolean sampling) {

    /**
     * What the section resolves to.
     *
     * @param enabled        false: nothing is extracted
     * @param endpoint       the engine to use, or null (then sampling, if allowed)
     * @param from           where the engine was configured, for status lines ({@code memory.extraction.endpoint}, …)
     * @param sampling       whether a connected MCP client's model may be asked when there is no engine
     * @param parallelGroups groups extracted at once
     * @param maxAttempts    engine failures tolerated per episode
     */
    public record Resolved(boolean enabled, Endpoint endpoint, String from, boolean sampling, int parallelGroups,
                           int maxAttempts) {
        /** One line: where the model comes from (or would, under an MCP client). */
        public String describe() {
            if (!enabled) {
                return "off (memory.extraction.enabled is false)";
            }
            if (endpoint != null) {
                return "engine " + endpoint.url() + " model " + endpoint.model() + " (" + from + ")";
            }
            return sampling ? "the model of a connected MCP client that offers sampling (no engine configured)"
                    : "none (no engine configured and memory.extraction.sampling is false)";
        }
    }

    /** Binds and checks the section; errors name {@code memory.extraction.<key>} and the file. */
    public static Resolved resolve(KairosConfig config) {
        JsonNode section = config.memory().get("extraction");
        String source = config.source();
        if (section != null && !section.isNull() && !section.isObject()) {
            throw new ConfigException(source + ": memory.extraction: must be a mapping, not " + section.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        ExtractionConfig c = ConfigLoader.bind(source, "memory.extraction",
                section == null || section.isNull() ? JsonNodeFactory.instance.objectNode() : section, ExtractionConfig.class);
        if (c.maxAttempts() != null && (c.maxAttempts() < 1 || c.maxAttempts() > 100)) {
            throw new ConfigException(source + ": memory.extraction.max_attempts: must be between 1 and 100, was " + c.maxAttempts());
        }
        if (c.parallelGroups() != null && (c.parallelGroups() < 1 || c.parallelGroups() > 256)) {
            throw new ConfigException(source + ": memory.extraction.parallel_groups: must be between 1 and 256, was " + c.parallelGroups());
        }
        boolean enabled = c.enabled() == null || c.enabled();
        boolean sampling = c.sampling() == null || c.sampling();
        int attempts = c.maxAttempts() == null ? 3 : c.maxAttempts();
        Endpoint endpoint = null;
        String from = null;
        if (c.endpoint() != null && !c.endpoint().isBlank()) {
            String text = c.endpoint().trim();
            List<Endpoint> named = named(config, text);
            if (!named.isEmpty()) {
                endpoint = named.getFirst();
                if (c.model() != null) {
                    endpoint = endpoint.withModel(c.model().trim());
                }
                from = "memory.extraction.endpoint: inference endpoint '" + text + "'";
            } else {
                if (!text.startsWith("http://") && !text.startsWith("https://")) {
                    throw new ConfigException(source + ": memory.extraction.endpoint: not an http(s) URL and no inference endpoint is named '"
                            + text + "'");
                }
                if (c.model() == null || c.model().isBlank()) {
                    throw new ConfigException(source + ": memory.extraction.model: is required with memory.extraction.endpoint "
                            + text + " (the model name the engine serves)");
                }
                try {
                    endpoint = InferenceConfig.endpoint(new InferenceConfig.EndpointConfig("memory-extraction", text, c.model().trim(),
                            c.provider(), c.engine(), null, c.parallelGroups(), null, null, c.apiKeyEnv(), null, null, null),
                            config.env(), Path.of("").toAbsolutePath());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(source + ": memory.extraction." + e.getMessage());
                }
                from = "memory.extraction.endpoint";
            }
        } else if (c.model() != null) {
            throw new ConfigException(source + ": memory.extraction.endpoint: is required when memory.extraction.model is set");
        } else if (c.engine() != null || c.provider() != null || c.apiKeyEnv() != null) {
            throw new ConfigException(source + ": memory.extraction.endpoint: is required with "
                    + (c.engine() != null ? "engine" : c.provider() != null ? "provider" : "api_key_env"));
        } else {
            InferenceSettings inference = InferenceConfig.settings(config);
            List<Endpoint> all = inference.endpoints();
            for (int i = 0; i < all.size() && endpoint == null; i++) {
                if (all.get(i).role() == InferenceSettings.Role.SMALL) {
                    endpoint = all.get(i);
                    from = "inference.endpoints[" + i + "] '" + endpoint.name() + "', the small model";
                }
            }
            if (endpoint == null && !all.isEmpty()) {
                endpoint = all.getFirst();
                from = "inference.endpoints[0] '" + endpoint.name() + "'";
            }
        }
        int parallel = c.parallelGroups() != null ? c.parallelGroups() : endpoint != null ? endpoint.parallelSlots() : 1;
        return new Resolved(enabled, endpoint, from, sampling, parallel, attempts);
    }

    private static List<Endpoint> named(KairosConfig config, String name) {
        if (name.contains("://")) {
            return List.of();
        }
        return InferenceConfig.settings(config).endpoints().stream().filter(e -> name.equals(e.name())).toList();
    }
}
