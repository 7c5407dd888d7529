package dev.kairos.agent;

import dev.kairos.fsm.Workflow;
import dev.kairos.fsm.WorkflowException;
import dev.kairos.fsm.WorkflowLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** A workflow file's name and text, kept with a run so a resumed run follows the same definition. */
public record WorkflowSource(String file, String text) {
    public WorkflowSource {
        Objects.requireNonNull(file, "workflow file");
        Objects.requireNonNull(text, "workflow text");
    }

    public static WorkflowSource read(Path path) throws IOException {
        return new WorkflowSource(path.toString(), Files.readString(path));
    }

    /** Parses and validates; errors come as {@link WorkflowException} with the validator's file:line diagnostics. */
    public Workflow load() {
        return WorkflowLoader.load(file, text);
    }
}
