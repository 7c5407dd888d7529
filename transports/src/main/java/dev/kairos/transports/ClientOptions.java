package dev.kairos.transports;

import io.modelcontextprotocol.spec.McpSchema;

import java.time.Duration;
import java.util.function.Function;

/**
 * How Kairos connects to downstream servers.
 *
 * @param clientName         the name sent in {@code initialize}
 * @param clientVersion      the version sent in {@code initialize}
 * @param initializeTimeout  the bound on starting a server and its {@code initialize}
 * @param maxRestarts        restarts of a stdio server that exited, in a row, before it is left failed
 * @param restartBackoff     the first wait before a restart; it doubles up to {@code maxRestartBackoff}
 * @param maxRestartBackoff  the longest wait between restarts
 * @param stopGrace          how long a child process gets after SIGTERM before it is killed
 * @param elicitation        answers a server's form elicitation; null declares no elicitation capability
 * @param applyElicitationDefaults whether defaults from the requested schema fill fields the answer left out
 * @param sampling           answers a server's sampling request; null declares no sampling capability
 * @param stateless          whether a server is first probed for MCP 2026-07-28 ({@code server/discover});
 *                           false goes straight to {@code initialize} (a server that speaks both is then
 *                           spoken to in its session-based revision)
 */
public record ClientOptions(String clientName, String clientVersion, Duration initializeTimeout, int maxRestarts,
                            Duration restartBackoff, Duration maxRestartBackoff, Duration stopGrace,
                            Function<McpSchema.ElicitFormRequest, McpSchema.ElicitResult> elicitation,
                            boolean applyElicitationDefaults,
                            Function<McpSchema.CreateMessageRequest, McpSchema.CreateMessageResult> sampling,
                            boolean stateless) {
    /** Kairos's name, 20 s to start, 5 restarts from 500 ms up to 30 s, 3 s grace, no elicitation. */
    public static ClientOptions defaults(String version) {
        return new ClientOptions("kairos", version, Duration.ofSeconds(20), 5, Duration.ofMillis(500),
                Duration.ofSeconds(30), Duration.ofSeconds(3), null, false, null, true);
    }

    public ClientOptions withElicitation(Function<McpSchema.ElicitFormRequest, McpSchema.ElicitResult> handler,
                                         boolean applyDefaults) {
        return new ClientOptions(clientName, clientVersion, initializeTimeout, maxRestarts, restartBackoff,
                maxRestartBackoff, stopGrace, handler, applyDefaults, sampling, stateless);
    }

    public ClientOptions withInitializeTimeout(Duration timeout) {
        return new ClientOptions(clientName, clientVersion, timeout, maxRestarts, restartBackoff,
                maxRestartBackoff, stopGrace, elicitation, applyElicitationDefaults, sampling, stateless);
    }

    public ClientOptions withRestarts(int max, Duration backoff) {
        return new ClientOptions(clientName, clientVersion, initializeTimeout, max, backoff,
                maxRestartBackoff, stopGrace, elicitation, applyElicitationDefaults, sampling, stateless);
    }

    /** A sampling handler: a 2025 server's {@code sampling/createMessage} and a 2026-07-28 server's input request go to it. */
    public ClientOptions withSampling(Function<McpSchema.CreateMessageRequest, McpSchema.CreateMessageResult> handler) {
        return new ClientOptions(clientName, clientVersion, initializeTimeout, maxRestarts, restartBackoff,
                maxRestartBackoff, stopGrace, elicitation, applyElicitationDefaults, handler, stateless);
    }

    /** Straight to {@code initialize}, without the 2026-07-28 probe. */
    public ClientOptions withoutStateless() {
        return new ClientOptions(clientName, clientVersion, initializeTimeout, maxRestarts, restartBackoff,
                maxRestartBackoff, stopGrace, elicitation, applyElicitationDefaults, sampling, false);
    }
}
