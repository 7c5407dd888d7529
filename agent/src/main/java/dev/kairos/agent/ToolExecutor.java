package dev.kairos.agent;

import dev.kairos.inference.ToolCall;

import java.util.List;
import java.util.function.Consumer;

/**
 * Runs the tool calls of model turns: all at once, under a global and a per-server bound, each with
 * its timeout, validated against the tool's schema first. A failure never breaks the batch.
 */
public interface ToolExecutor {
    /** Opens one model turn; its events go to {@code events} (from any thread). */
    Turn begin(Consumer<ToolEvent> events);

    /** Runs the calls of one turn and returns their results in the model's order. */
    default List<ToolCallResult> runAll(List<ToolCall> calls, Consumer<ToolEvent> events) throws InterruptedException {
        try (Turn turn = begin(events)) {
            calls.forEach(turn::start);
            return turn.finish(calls);
        }
    }

    /** The calls of one model turn. */
    interface Turn extends AutoCloseable {
        /** Starts a call now (for example a read-only call whose arguments streamed in complete). Once per id. */
        void start(ToolCall call);

        /**
         * Starts those of {@code calls} not started yet, waits for all of them, and returns their
         * results in the order of {@code calls}. Calls started but not listed are cancelled and
         * their results dropped (the turn changed, or failed, after they started).
         */
        List<ToolCallResult> finish(List<ToolCall> calls) throws InterruptedException;

        /** Cancels every call in flight downstream; {@link #finish} then returns CANCELLED results. */
        void cancel();

        /** Cancels what is still running and drops the results. */
        @Override
        void close();
    }
}
