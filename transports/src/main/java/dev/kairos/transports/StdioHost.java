package dev.kairos.transports;

import dev.kairos.transports.internal.PendingRequests;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * MCP over stdin/stdout for IDE clients that spawn Kairos as a subprocess.
 *
 * <p>stdout carries protocol messages only. When stdin ends, every request already read is
 * answered before the server stops: the SDK alone would drop a reply still being computed at EOF.
 */
public final class StdioHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StdioHost.class);

    private final PendingRequests pending;
    private final McpSyncServer server;
    private final LiveServers liveServers;

    /**
     * @param answerBound how long, after stdin ends, requests already read may take to be answered
     */
    public StdioHost(McpFeatures features, LiveServers liveServers, InputStream in, OutputStream out, Duration answerBound) {
        this.liveServers = liveServers;
        this.pending = new PendingRequests(in, out, answerBound, liveServers.cancellations()::cancel);
        McpJsonMapper json = McpJsonDefaults.getMapper();
        var transport = new StdioServerTransportProvider(json, pending.input(), pending.output());
        this.server = features.applyTo(McpServer.sync(transport).jsonMapper(json)).build();
        liveServers.add(server);
    }

    /**
     * Blocks until stdin has ended and every request read from it was answered (or the answer
     * bound passed). Returns whether all were answered.
     */
    public boolean awaitEndOfInput() throws InterruptedException {
        boolean answered = pending.awaitInputEnded();
        if (!answered) {
            log.warn("stdin closed with {} request(s) still unanswered after the bound", pending.unanswered());
        }
        return answered;
    }

    @Override
    public void close() {
        liveServers.remove(server);
        try {
            server.closeGracefully();
        } catch (RuntimeException e) {
            log.debug("stdio server close: {}", e.toString());
        }
    }
}
