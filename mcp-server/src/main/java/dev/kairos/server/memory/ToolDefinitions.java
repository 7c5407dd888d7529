package dev.kairos.server.memory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tool contracts of one toolset (names, schemas, annotations), kept as data in
 * {@code <toolset>-tools.json} beside this class so they can be read and diffed against the anchors.
 */
record ToolDefinitions(Toolset toolset, Map<String, Definition> byName) {

    /** One tool's contract; {@code resultWrapped} marks Graphiti tools whose result is {@code {"result": …}}. */
    record Definition(McpSchema.Tool tool, boolean resultWrapped) {
    }

    static ToolDefinitions load(Toolset toolset, ObjectMapper json) {
        String resource = toolset.id() + "-tools.json";
        try (InputStream in = ToolDefinitions.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            Map<String, Object> doc = json.readValue(in, new TypeReference<>() {
            });
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> tools = (List<Map<String, Object>>) doc.get("tools");
            Map<String, Definition> byName = new LinkedHashMap<>();
            for (Map<String, Object> t : tools) {
                byName.put((String) t.get("name"), definition(t));
            }
            return new ToolDefinitions(toolset, byName);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Definition definition(Map<String, Object> t) {
        var b = McpSchema.Tool.builder()
                .name((String) t.get("name"))
                .title((String) t.get("title"))
                .description((String) t.get("description"))
                .inputSchema((Map<String, Object>) t.get("inputSchema"))
                .outputSchema((Map<String, Object>) t.get("outputSchema"));
        if (t.get("annotations") instanceof Map<?, ?> a) {
            b.annotations(new McpSchema.ToolAnnotations((String) t.get("title"),
                    (Boolean) a.get("readOnlyHint"), (Boolean) a.get("destructiveHint"),
                    (Boolean) a.get("idempotentHint"), (Boolean) a.get("openWorldHint"), null));
        }
        return new Definition(b.build(), Boolean.TRUE.equals(t.get("resultWrapped")));
    }
}
