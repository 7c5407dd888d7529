package dev.kairos.fsm;

/** Where a definition element was written: file name, 1-based line and column (0 when unknown). */
public record Source(String file, int line, int column) {

    /** For definitions built in code rather than read from a file. */
    public static Source unknown() {
        return new Source("<code>", 0, 0);
    }

    /** The same file and line, {@code offset} characters further along the line. */
    public Source shifted(int offset) {
        return column == 0 ? this : new Source(file, line, column + offset);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
