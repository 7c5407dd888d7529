package dev.kairos.fsm.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.ArrayList;
import java.util.List;

/** JSON schemas for slots (draft 2020-12 unless a schema names another): checking schemas, and data against them. */
public final class SlotSchemas {

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    /** Problems with the schema itself, checked against the 2020-12 meta-schema. */
    public List<String> schemaProblems(JsonNode schema) {
        if (!schema.isObject()) return List.of("slots must be a JSON schema object (e.g. type: object, properties: ...)");
        Schema meta = registry.getSchema(SchemaLocation.of(SpecificationVersion.DRAFT_2020_12.getDialectId()));
        List<String> out = new ArrayList<>();
        for (Error e : meta.validate(schema)) out.add(e.getInstanceLocation() + ": " + e.getMessage());
        return out;
    }

    public Schema compile(JsonNode schema) {
        return registry.getSchema(schema);
    }

    /** What is missing or wrong in {@code slots}, one sentence per problem naming the slot. */
    public static List<String> problems(Schema schema, JsonNode slots) {
        JsonNode value = slots == null || slots.isMissingNode() || slots.isNull() ? JsonNodeFactory.instance.objectNode() : slots;
        List<String> out = new ArrayList<>();
        for (Error e : schema.validate(value)) {
            if ("required".equals(e.getKeyword()) && e.getProperty() != null) {
                String where = e.getInstanceLocation().toString();
                out.add("slot '" + (where.isEmpty() || where.equals("$") ? "" : where.replaceFirst("^[$/]+", "") + ".")
                        + e.getProperty() + "' is missing");
            } else {
                out.add("slot '" + e.getInstanceLocation().toString().replaceFirst("^[$/]+", "").replace('/', '.') + "' " + e.getMessage());
            }
        }
        return out;
    }

    /** The slot names a schema declares: its top-level {@code properties}. */
    public static List<String> declared(JsonNode schema) {
        List<String> out = new ArrayList<>();
        if (schema != null && schema.get("properties") instanceof JsonNode p && p.isObject()) p.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
