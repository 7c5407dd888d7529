package dev.kairos.memory.ingest;

import java.util.Optional;

/**
 * Where extraction gets its model, asked per group before each round: a configured engine serves every group, while
 * an MCP client's model (sampling) may only read the groups its caller may access, and may come and go.
 */
public interface ModelSource {

    /** The model allowed to read this group's episodes now, or empty. */
    Optional<ModelForExtraction> modelFor(String groupId);

    /** One line for status: where the model comes from, or why episodes stay pending. */
    String describe();

    /** One model for every group. */
    static ModelSource of(ModelForExtraction model) {
        return new ModelSource() {
            @Override
            public Optional<ModelForExtraction> modelFor(String groupId) {
                return Optional.of(model);
            }

            @Override
            public String describe() {
                return "extracting with " + model.describe();
            }
        };
    }

    /** No model: episodes stay pending (still searchable as raw episodes) and status says why. */
    static ModelSource none(String reason) {
        return new ModelSource() {
            @Override
            public Optional<ModelForExtraction> modelFor(String groupId) {
                return Optional.empty();
            }

            @Override
            public String describe() {
                return "episodes stay pending: " + reason;
            }
        };
    }
}
