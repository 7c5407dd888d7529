package dev.kairos.server.conformance;

import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema.BlobResourceContents;
import io.modelcontextprotocol.spec.McpSchema.ErrorCodes;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code test://} resources and the one resource template the conformance suite reads. */
final class FixtureResources {
    static final String TEMPLATE = "test://template/{id}/data";
    private static final Pattern TEMPLATE_URI = Pattern.compile("test://template/([^/]+)/data");

    private FixtureResources() {
    }

    static List<SyncResourceSpecification> resources(WatchedResource watched) {
        return List.of(
                fixed(Resource.builder("test://static-text", "static-text").title("Static Text Resource")
                                .description("A text resource that never changes").mimeType("text/plain").build(),
                        new TextResourceContents("test://static-text", "text/plain",
                                "This is the content of the static text resource.")),
                fixed(Resource.builder("test://static-binary", "static-binary").title("Static Binary Resource")
                                .description("A 1x1 PNG image").mimeType("image/png").build(),
                        new BlobResourceContents("test://static-binary", "image/png", Samples.RED_PIXEL_PNG)),
                watched.specification());
    }

    static List<SyncResourceTemplateSpecification> templates() {
        ResourceTemplate template = ResourceTemplate.builder(TEMPLATE, "template-data").title("Template Resource")
                .description("JSON data for any id").mimeType("application/json").build();
        return List.of(new SyncResourceTemplateSpecification(template, (exchange, request) -> {
            Matcher m = TEMPLATE_URI.matcher(request.uri());
            if (!m.matches()) {
                throw McpError.builder(ErrorCodes.INVALID_PARAMS)
                        .message("uri: " + request.uri() + " does not match " + TEMPLATE).build();
            }
            String id = m.group(1);
            var node = new java.util.LinkedHashMap<String, Object>();
            node.put("id", id);
            node.put("templateTest", true);
            node.put("data", "Data for ID: " + id);
            String json = dev.kairos.server.Json.write(node);
            return new ReadResourceResult(List.of(new TextResourceContents(request.uri(), "application/json", json)));
        }));
    }

    private static SyncResourceSpecification fixed(Resource resource, ResourceContents contents) {
        return new SyncResourceSpecification(resource, (exchange, request) -> new ReadResourceResult(List.of(contents)));
    }
}
