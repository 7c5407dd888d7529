package dev.kairos.server.memory;

/** The body of one tool: reads the call, talks to the memory graph, answers a {@link ToolOutput}; bad input throws. */
@FunctionalInterface
interface ToolBody {
    ToolOutput run(Call call);
}
