package dev.kairos.fsm;

/** One finding about a workflow definition, pointing at the file position it concerns. */
public record Diagnostic(Severity severity, String file, int line, int column, String message, String code) {

    /** How bad a finding is: errors stop a workflow from running, warnings do not. */
    public enum Severity { ERROR, WARNING }

    static Diagnostic error(Source at, String code, String message) {
        return new Diagnostic(Severity.ERROR, at.file(), at.line(), at.column(), message, code);
    }

    static Diagnostic warning(Source at, String code, String message) {
        return new Diagnostic(Severity.WARNING, at.file(), at.line(), at.column(), message, code);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The compiler-style line {@code file:line:col: error: message [code]}. */
    public String format() {
        return file + ":" + line + ":" + column + ": " + severity.name().toLowerCase() + ": " + message + " [" + code + "]";
    }
}
