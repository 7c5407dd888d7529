package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Validates tool arguments against their JSON Schema (draft 2020-12), compiling each schema once.
 *
 * <p>The SDK's default validator serialises the whole schema to a string on every call to look up its
 * cache; tool schemas are fixed objects, so this one keys the cache by identity.
 */
public final class CachedSchemaValidator implements JsonSchemaValidator {
    private static final int MAX_CACHED = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(Dialects.getDraft202012());
    private final Map<Identity, Schema> compiled = new ConcurrentHashMap<>();
    private final Set<Identity> inputSchemas;

    /**
     * @param inputSchemas the tools' input schemas: checking arguments needs only the verdict, so for
     *                     these the valid content is not serialised back to text (the SDK reads that
     *                     text only for structured tool output)
     */
    public CachedSchemaValidator(Collection<? extends Map<String, Object>> inputSchemas) {
        this.inputSchemas = inputSchemas.stream().map(Identity::new).collect(Collectors.toUnmodifiableSet());
    }

    public CachedSchemaValidator() {
        this(List.of());
    }

    /** Map keys compared by identity, not by deep equality (which would walk the schema each time). */
    private record Identity(Object schema) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity other && other.schema == schema;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(schema);
        }
    }

    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object content) {
        if (schema == null) {
            return ValidationResponse.asInvalid("Schema must not be null");
        }
        if (content == null) {
            return ValidationResponse.asInvalid("Structured content must not be null");
        }
        try {
            if (compiled.size() > MAX_CACHED) {
                compiled.clear(); // schemas made per call would otherwise grow this without bound
            }
            Identity key = new Identity(schema);
            Schema compiledSchema = compiled.computeIfAbsent(key, k -> registry.getSchema(JSON.valueToTree(schema)));
            JsonNode node = content instanceof JsonNode j ? j : JSON.valueToTree(content);
            List<Error> errors = compiledSchema.validate(node);
            if (errors.isEmpty()) {
                return ValidationResponse.asValid(inputSchemas.contains(key) ? null : node.toString());
            }
            return ValidationResponse.asInvalid("Validation failed: JSON schema validation errors: "
                    + errors.stream().map(Error::toString).collect(Collectors.joining(", ", "[", "]")));
        } catch (RuntimeException e) {
            return ValidationResponse.asInvalid("Error validating against the schema: " + e.getMessage());
        }
    }
}
