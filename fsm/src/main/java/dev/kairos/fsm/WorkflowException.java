package dev.kairos.fsm;

import java.util.List;
import java.util.stream.Collectors;

/** A workflow that cannot be read or run; carries every diagnostic that explains why. */
public final class WorkflowException extends RuntimeException {

    private final List<Diagnostic> diagnostics;

    public WorkflowException(List<Diagnostic> diagnostics) {
        super(diagnostics.stream().map(Diagnostic::format).collect(Collectors.joining("\n")));
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
