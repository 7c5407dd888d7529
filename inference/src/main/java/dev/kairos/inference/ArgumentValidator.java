package dev.kairos.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks tool calls against the tools' input schemas before anything runs: unknown tool names,
 * arguments that are not JSON, and schema violations, each named by field.
 */
public final class ArgumentValidator {
    private static final ObjectMapper JSON = dev.kairos.inference.internal.WireJson.newMapper();
    private final Map<String, Schema> schemas = new LinkedHashMap<>();

    public ArgumentValidator(Collection<ToolSpec> tools) {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
        for (ToolSpec t : tools) {
            Schema schema = registry.getSchema(t.inputSchema());
            // The library loads a schema's validators on first use, unsynchronised; a validator shared by calls
            // on several threads must have them loaded before it is shared.
            schema.initializeValidators();
            schemas.put(t.name(), schema);
        }
    }

    /** The problems of one call; empty when it may run. */
    public List<ArgumentProblem> validate(ToolCall call) {
        Schema schema = schemas.get(call.name());
        if (schema == null) {
            String near = schemas.keySet().stream()
                    .min(Comparator.comparingInt(n -> distance(n, call.name())))
                    .filter(n -> distance(n, call.name()) <= 3).map(n -> "did you mean '" + n + "'? ").orElse("");
            return List.of(new ArgumentProblem(call.name(), "", "unknown tool; " + near
                    + "available tools: " + String.join(", ", schemas.keySet())));
        }
        JsonNode args;
        try {
            args = JSON.readTree(call.arguments());
        } catch (JsonProcessingException e) {
            return List.of(new ArgumentProblem(call.name(), "", "arguments are not valid JSON ("
                    + e.getOriginalMessage().lines().findFirst().orElse("") + " at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + "); send them as one JSON object"));
        }
        if (!args.isObject()) {
            return List.of(new ArgumentProblem(call.name(), "", "arguments must be a JSON object, got " + args.getNodeType()));
        }
        List<ArgumentProblem> out = new ArrayList<>();
        for (com.networknt.schema.Error e : schema.validate(args)) {
            String at = e.getInstanceLocation().toString();
            at = at.startsWith("/") ? at.substring(1).replace('/', '.') : at;
            if (e.getProperty() != null) {
                at = at.isEmpty() ? e.getProperty() : at + "." + e.getProperty();
            }
            out.add(new ArgumentProblem(call.name(), at, e.getMessage()));
        }
        return out;
    }

    /** The text of a tool result that asks the model to correct its call. */
    public static String repairText(ToolCall call, List<ArgumentProblem> problems) {
        return "The call to '" + call.name() + "' was not run because its arguments are invalid:\n"
                + problems.stream().map(p -> "- " + p).collect(Collectors.joining("\n"))
                + "\nYou sent: " + call.arguments() + "\nCall the tool again with corrected arguments.";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
