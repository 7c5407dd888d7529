package dev.kairos.server;

import dev.kairos.agent.DownstreamServers;
import dev.kairos.agent.ExecutorSettings;
import dev.kairos.agent.McpServerSettings;
import dev.kairos.agent.ParallelToolExecutor;
import dev.kairos.agent.ToolApproval;
import dev.kairos.agent.ToolCallResult;
import dev.kairos.agent.ToolOutcome;
import dev.kairos.inference.ToolCall;
import dev.kairos.server.testing.KairosProcess;
import dev.kairos.transports.ClientOptions;
import dev.kairos.transports.ServerEndpoint;
import dev.kairos.transports.ServerState;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Streamable HTTP server that restarted has forgotten our session and answers 404: the
 * connection initialises again, once, and sends the call again (a 404 means it was not processed).
 * The server is a real {@code kairos serve}, stopped and started again on the same port.
 */
class DownstreamRestartTest {
    private static final List<ToolCall> STATUS = List.of(new ToolCall("s", "kairos_status", "{}"));

    @Test
    void aServerRestartedBetweenCallsIsInitialisedAgainAndTheCallIsSentAgain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        KairosProcess first = KairosProcess.serveOn(port, KairosProcess.NO_MEMORY);
        McpServerSettings settings = McpServerSettings.of("kairos", new ServerEndpoint.Http(
                "http://127.0.0.1:" + port + "/mcp", Map.of(), ServerEndpoint.HttpKind.STREAMABLE));
        try (DownstreamServers servers = DownstreamServers.connect(List.of(settings),
                // kairos serve speaks both eras: this is about the session-based one, so no 2026-07-28 probe
                ClientOptions.defaults("test").withInitializeTimeout(Duration.ofSeconds(60)).withoutStateless())) {
            assertEquals(ServerState.Status.READY, servers.providers().getFirst().state().status());
            // one try per call: the resend must come from the connection, not from the executor's retries
            ExecutorSettings once = ExecutorSettings.defaults();
            once = new ExecutorSettings(once.maxConcurrency(), once.perServerConcurrency(), once.defaultTimeout(),
                    once.maxResultChars(), 1, once.retryBackoff(), once.breakerFailureRate(), once.breakerWindow(),
                    once.breakerOpenFor());
            ParallelToolExecutor ex = new ParallelToolExecutor(servers.catalogue(List.of(), Duration.ofSeconds(60)), once,
                    ToolApproval.REFUSE);
            ToolCallResult before = ex.runAll(STATUS, e -> { }).getFirst();
            assertEquals(ToolOutcome.OK, before.outcome(), before.text());

            first.close();
            try (KairosProcess second = KairosProcess.serveOn(port, KairosProcess.NO_MEMORY)) {
                ToolCallResult after = ex.runAll(STATUS, e -> { }).getFirst();
                assertEquals(ToolOutcome.OK, after.outcome(), after.text());
                assertTrue(after.text().contains("memory"), after.text());
                assertEquals(ServerState.Status.READY, servers.providers().getFirst().state().status());
            }
        } finally {
            first.close();
        }
    }
}
