package dev.kairos.agent;

import java.time.Instant;

/**
 * What a provider gets with one call: when it must be done, and where to report progress.
 *
 * <p>Cancellation is the calling thread's interrupt: a provider that sees it stops waiting, tells
 * the downstream server ({@code notifications/cancelled}) and throws.
 */
public interface ToolCallControl {
    /** The call's deadline; the provider must not wait past it. */
    Instant deadline();

    /** Passes a downstream progress notification on. {@code total} and {@code message} may be null. */
    void progress(double progress, Double total, String message);
}
