package dev.kairos.agent;

import dev.kairos.inference.ToolSpec;

import java.time.Duration;
import java.util.Objects;

/**
 * One tool of the catalogue: the name the model sees, where it comes from, and how Kairos treats it
 * (its timeout, whether it needs approval, whether a failed call may be retried).
 */
public record CatalogueTool(String modelName, String provider, ToolDescriptor descriptor, Duration timeout,
                            boolean needsConfirmation, boolean retryable) {
    public CatalogueTool {
        Objects.requireNonNull(modelName, "model name");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** The function the model is offered. */
    public ToolSpec spec() {
        return new ToolSpec(modelName, descriptor.description(), descriptor.inputSchema());
    }

    /** Whether the call may start before the model's turn is over (it changes nothing). */
    public boolean readOnly() {
        return descriptor.hints().isReadOnly();
    }
}
