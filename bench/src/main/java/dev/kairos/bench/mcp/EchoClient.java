package dev.kairos.bench.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Duration;

/** One virtual client of the round-trip benchmark: its own keep-alive socket, one echo call at a time. */
sealed interface EchoClient extends AutoCloseable permits McpSession, StatelessClient {

    /** Connects as the target's revision asks: a session ({@code initialize}) or none (2026-07-28). */
    static EchoClient open(ObjectMapper json, Target target, Duration timeout) throws IOException {
        return target.stateless()
                ? StatelessClient.open(json, target.endpoint(), timeout)
                : McpSession.open(json, target.endpoint(), timeout);
    }

    /** Calls the echo tool and checks that the text comes back unchanged. */
    void echo(String message) throws IOException;

    @Override
    void close();
}
