package dev.kairos.server.memory;

/** The body of one tool: reads the call, talks to the memory graph, answers a {@link Reply}; bad input throws. */
@FunctionalInterface
interface Handler {
    Reply handle(Call call);
}
