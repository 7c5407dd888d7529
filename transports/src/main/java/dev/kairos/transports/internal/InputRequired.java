package dev.kairos.transports.internal;

/**
 * Thrown inside a 2026-07-28 request when a handler needs input the client has not given yet; the
 * dispatcher turns it into an {@code input_required} result. Carries no stack trace: it is control flow.
 */
public final class InputRequired extends RuntimeException {
    public InputRequired() {
        super("the client must answer this request's input requests first", null, false, false);
    }
}
