package dev.kairos.server.memory;

/** A request for a group the caller may not touch: refused, never silently filtered. */
final class RefusedException extends RuntimeException {
    RefusedException(String message) {
        super(message);
    }
}
