package dev.kairos.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds, reads and validates the configuration.
 *
 * <p>Where from, first match wins: {@code --config FILE}, {@code $KAIROS_CONFIG}, {@code ./kairos.yaml},
 * {@code ~/.kairos/kairos.yaml}; otherwise built-in defaults. Then environment variables override
 * single keys: {@code KAIROS_SERVER_PORT=9000} sets {@code server.port}, and the short forms
 * {@code KAIROS_HOST}, {@code KAIROS_PORT}, {@code KAIROS_DATA_DIR} and {@code KAIROS_TOKEN} exist too.
 */
public final class ConfigLoader {
    private static final Set<String> SECTIONS = Set.of("server", "memory", "inference", "tools", "agent");
    private static final Set<String> LIST_KEYS = Set.of("allowed_hosts", "allowed_origins");
    private static final Map<String, String> SHORT_FORMS = Map.of(
            "KAIROS_HOST", "server.host",
            "KAIROS_PORT", "server.port",
            "KAIROS_DATA_DIR", "memory.data_dir");

    private static final ObjectMapper YAML = YAMLMapper.builder().build();
    private static final ObjectMapper BIND = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ConfigLoader() {
    }

    /** Loads from an explicit file (may be null) and the process environment. */
    public static KairosConfig load(Path explicit) {
        return load(explicit, System.getenv(), Path.of("").toAbsolutePath());
    }

    /** Loads with a given environment and working directory (for tests). */
    public static KairosConfig load(Path explicit, Map<String, String> env, Path workDir) {
        Path file = locate(explicit, env, workDir);
        ObjectNode root = file == null ? JsonNodeFactory.instance.objectNode() : read(file);
        String source = file == null ? "defaults" : file.toString();
        applyEnvironment(root, env);
        for (var it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!SECTIONS.contains(key)) {
                throw new ConfigException(source + ": unknown top-level key '" + key + "' (known: "
                        + SECTIONS.stream().sorted().collect(Collectors.joining(", ")) + ")");
            }
        }
        ServerConfig server = bind(source, "server", section(root, "server", source), ServerConfig.class);
        KairosConfig config = new KairosConfig(source, server, section(root, "memory", source),
                section(root, "inference", source), section(root, "tools", source), section(root, "agent", source), Map.copyOf(env));
        config.httpSettings(); // validate now, not at first use
        ToolsConfig.of(config);
        AgentConfig.limits(config);
        AgentMemoryConfig.resolve(config);
        return config;
    }

    /** Binds a section to a record, turning Jackson's errors into messages that name the key. */
    public static <T> T bind(String source, String sectionName, JsonNode section, Class<T> type) {
        try {
            return BIND.treeToValue(section, type);
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : " (known: " + e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")";
            throw new ConfigException(source + ": " + path(sectionName, e) + ": unknown key" + known);
        } catch (JsonMappingException e) {
            throw new ConfigException(source + ": " + path(sectionName, e) + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + sectionName + ": " + e.getOriginalMessage());
        }
    }

    private static String path(String section, JsonMappingException e) {
        StringBuilder out = new StringBuilder(section);
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                out.append('.').append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                out.append('[').append(ref.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static Path locate(Path explicit, Map<String, String> env, Path workDir) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new ConfigException("config file " + explicit + " does not exist");
            }
            return explicit;
        }
        String fromEnv = env.get("KAIROS_CONFIG");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (!Files.isRegularFile(p)) {
                throw new ConfigException("KAIROS_CONFIG points to " + p + ", which does not exist");
            }
            return p;
        }
        for (Path candidate : List.of(workDir.resolve("kairos.yaml"), KairosConfig.home(env).resolve("kairos.yaml"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static ObjectNode read(Path file) {
        try {
            JsonNode node = YAML.readTree(file.toFile());
            if (node == null || node.isMissingNode() || node.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException(file + ": the top level must be a mapping of sections (server, memory, inference, tools, agent)");
            }
            return (ObjectNode) node;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : ":" + loc.getLineNr() + ":" + loc.getColumnNr();
            throw new ConfigException(file + where + ": not valid YAML/JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static ObjectNode section(ObjectNode root, String name, String source) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return root.putObject(name);
        }
        if (!node.isObject()) {
            throw new ConfigException(source + ": " + name + ": must be a mapping, not " + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    private static void applyEnvironment(ObjectNode root, Map<String, String> env) {
        env.forEach((name, value) -> {
            String target = SHORT_FORMS.get(name);
            if (target == null && name.startsWith("KAIROS_")) {
                String rest = name.substring("KAIROS_".length()).toLowerCase(Locale.ROOT);
                for (String section : SECTIONS) {
                    if (rest.startsWith(section + "_") && rest.length() > section.length() + 1) {
                        target = section + "." + rest.substring(section.length() + 1);
                    }
                }
            }
            if (target == null) {
                return;
            }
            String[] parts = target.split("\\.", 2);
            JsonNode existing = root.get(parts[0]);
            ObjectNode section = existing instanceof ObjectNode o ? o : root.putObject(parts[0]);
            if (LIST_KEYS.contains(parts[1])) {
                ArrayNode list = section.putArray(parts[1]);
                for (String item : value.split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.trim());
                    }
                }
            } else {
                section.put(parts[1], value);
            }
        });
    }
}
