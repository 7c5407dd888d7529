package dev.kairos.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.ServerEndpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the MCP server list users already have: Claude Desktop / Cursor's {@code mcpServers} and VS
 * Code's {@code servers}, with {@code ${env:NAME}} / {@code ${NAME}} substitution and Kairos's own
 * per-server keys. Errors are one line naming the file, the server and the key.
 */
public final class McpServersConfig {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VAR = Pattern.compile("\\$\\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Set<String> KEYS = Set.of("type", "command", "args", "env", "cwd", "url", "headers",
            "enabled", "disabled", "include", "exclude", "timeout", "max_concurrency", "retry", "confirm", "prefix",
            // keys other clients write that Kairos does not use
            "envFile", "autoApprove", "alwaysAllow", "description", "transport", "gallery", "version");

    private McpServersConfig() {
    }

    /** Reads a file with the process environment. */
    public static List<McpServerSettings> load(Path file) {
        return load(file, System.getenv());
    }

    /** Reads a file, resolving variables from {@code env}; throws {@link IllegalArgumentException} on bad input. */
    public static List<McpServerSettings> load(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return parse(file.toString(), text, env);
    }

    /** Parses the text of a file named {@code source}. */
    public static List<McpServerSettings> parse(String source, String text, Map<String, String> env) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON (" + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": the top level must be a JSON object with 'mcpServers' or 'servers'");
        }
        String section = root.has("mcpServers") ? "mcpServers" : root.has("servers") ? "servers" : null;
        if (section == null) {
            throw new IllegalArgumentException(source + ": no 'mcpServers' (Claude Desktop, Cursor) or 'servers' (VS Code) object");
        }
        JsonNode servers = root.get(section);
        if (!servers.isObject()) {
            throw new IllegalArgumentException(source + ": " + section + ": must be an object of servers by name");
        }
        List<McpServerSettings> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = servers.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(server(new Where(source, section, e.getKey()), e.getValue(), env));
        }
        return List.copyOf(out);
    }

    private record Where(String source, String section, String server) {
        IllegalArgumentException error(String key, String message) {
            return new IllegalArgumentException(source + ": " + section + "." + server
                    + (key == null ? "" : "." + key) + ": " + message);
        }
    }

    private static McpServerSettings server(Where at, JsonNode node, Map<String, String> env) {
        if (!node.isObject()) {
            throw at.error(null, "must be an object");
        }
        if (!at.server().matches("[A-Za-z0-9_.-]{1,64}")) {
            throw at.error(null, "server names may use letters, digits, '_', '.' and '-' (at most 64)");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw at.error(k, "unknown key; known keys: type, command, args, env, cwd, url, headers, enabled, "
                        + "include, exclude, timeout, max_concurrency, retry, confirm, prefix");
            }
        }
        Function<String, String> sub = v -> substitute(at, v, env);
        String type = text(at, node, "type", sub);
        String command = text(at, node, "command", sub);
        String url = text(at, node, "url", sub);
        ServerEndpoint endpoint;
        String kind = type != null ? type : command != null ? "stdio" : url != null ? "url" : null;
        if (kind == null) {
            throw at.error(null, "needs 'command' (a stdio server) or 'url' (an HTTP server)");
        }
        switch (kind) {
            case "stdio" -> {
                if (command == null || command.isBlank()) {
                    throw at.error("command", "missing: a stdio server needs the command that starts it");
                }
                String cwd = text(at, node, "cwd", sub);
                endpoint = new ServerEndpoint.Stdio(command, list(at, node, "args", sub), map(at, node, "env", sub),
                        cwd == null ? null : Path.of(cwd));
            }
            case "http", "sse", "streamable-http", "streamableHttp", "url" -> {
                if (url == null || url.isBlank()) {
                    throw at.error("url", "missing: an " + (kind.equals("url") ? "HTTP" : kind) + " server needs its URL");
                }
                if (!url.startsWith("http://") && !url.startsWith("https://")) {
                    throw at.error("url", "'" + url + "' is not an http:// or https:// URL");
                }
                ServerEndpoint.HttpKind k = switch (kind) {
                    case "sse" -> ServerEndpoint.HttpKind.SSE;
                    case "url" -> ServerEndpoint.HttpKind.AUTO;
                    // VS Code's "http" means Streamable HTTP with a fallback to SSE
                    case "http" -> ServerEndpoint.HttpKind.AUTO;
                    default -> ServerEndpoint.HttpKind.STREAMABLE;
                };
                endpoint = new ServerEndpoint.Http(url, map(at, node, "headers", sub), k);
            }
            default -> throw at.error("type", "unknown type '" + type + "'; use stdio, http or sse");
        }
        boolean enabled = bool(at, node, "enabled", true) && !bool(at, node, "disabled", false);
        Duration timeout = null;
        Map<String, Duration> toolTimeouts = new HashMap<>();
        JsonNode t = node.get("timeout");
        if (t != null && !t.isNull()) {
            if (t.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Duration d = duration(at, "timeout." + e.getKey(), e.getValue());
                    if (e.getKey().equals("*") || e.getKey().equals("default")) {
                        timeout = d;
                    } else {
                        toolTimeouts.put(e.getKey(), d);
                    }
                }
            } else {
                timeout = duration(at, "timeout", t);
            }
        }
        Integer max = null;
        JsonNode m = node.get("max_concurrency");
        if (m != null && !m.isNull()) {
            if (!m.canConvertToInt() || !m.isIntegralNumber() || m.intValue() < 1) {
                throw at.error("max_concurrency", "must be a whole number of at least 1, got " + m);
            }
            max = m.intValue();
        }
        return new McpServerSettings(at.server(), endpoint, enabled, list(at, node, "include", sub),
                list(at, node, "exclude", sub), timeout, toolTimeouts, max,
                new LinkedHashSet<>(list(at, node, "retry", sub)), new HashSet<>(list(at, node, "confirm", sub)),
                bool(at, node, "prefix", false));
    }

    private static String substitute(Where at, String value, Map<String, String> env) {
        Matcher m = VAR.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException(m.group(1));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String text(Where at, JsonNode node, String key, Function<String, String> sub) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw at.error(key, "must be a string, got " + v.getNodeType().toString().toLowerCase());
        }
        return resolve(at, key, v.asText(), sub);
    }

    private static String resolve(Where at, String key, String value, Function<String, String> sub) {
        try {
            return sub.apply(value);
        } catch (IllegalStateException e) {
            throw at.error(key, "environment variable " + e.getMessage() + " is not set");
        }
    }

    private static List<String> list(Where at, JsonNode node, String key, Function<String, String> sub) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw at.error(key, "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                throw at.error(key + "[" + i + "]", "must be a string, got " + v.get(i));
            }
            out.add(resolve(at, key + "[" + i + "]", v.get(i).asText(), sub));
        }
        return out;
    }

    private static Map<String, String> map(Where at, JsonNode node, String key, Function<String, String> sub) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw at.error(key, "must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = key + "." + e.getKey();
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw at.error(k, "must be a string");
            }
            out.put(e.getKey(), resolve(at, k, e.getValue().asText(), sub));
        }
        return out;
    }

    private static boolean bool(Where at, JsonNode node, String key, boolean fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw at.error(key, "must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    private static Duration duration(Where at, String key, JsonNode v) {
        if (v.isNumber()) {
            // a bare number is milliseconds, as Claude Desktop and VS Code write timeouts
            if (v.asLong() < 1) {
                throw at.error(key, "must be positive, got " + v);
            }
            return Duration.ofMillis(v.asLong());
        }
        if (!v.isTextual()) {
            throw at.error(key, "must be a duration like \"30s\" or milliseconds, got " + v);
        }
        String s = v.asText().trim().toLowerCase();
        Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
            if (d.isZero()) {
                throw at.error(key, "must be positive");
            }
            return d;
        }
        try {
            return Duration.parse(v.asText().trim());
        } catch (DateTimeParseException e) {
            throw at.error(key, "'" + v.asText() + "' is not a duration (use 500ms, 30s, 2m or 1h)");
        }
    }
}
