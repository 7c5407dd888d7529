package dev.kairos.transports;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.internal.CachedSchemaValidator;
import dev.kairos.transports.internal.PendingRequests;
import dev.kairos.transports.internal.RequestState;
import dev.kairos.transports.internal.StatelessDispatcher;
import dev.kairos.transports.internal.StatelessStdio;
import dev.kairos.transports.internal.Subscriptions;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;

/**
 * MCP over stdin/stdout for IDE clients that spawn Kairos as a subprocess.
 *
 * <p>stdout carries protocol messages only. No line on stdin can stop it: one that is not JSON gets
 * {@code -32700}, JSON that is not a usable message gets {@code -32600}, and reading goes on. When
 * stdin ends, every request already read is answered before the server stops: the SDK alone would
 * drop a reply still being computed at EOF.
 */
public final class StdioHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StdioHost.class);

    /**
     * The longest line read from stdin, 16 MiB (the SDK's own stdio line limit, in characters, is
     * never smaller); a longer line is answered with {@code -32600} and skipped as it arrives.
     */
    public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    private final PendingRequests pending;
    private final McpSyncServer server;
    private final LiveServers liveServers;

    /**
     * @param answerBound how long, after stdin ends, requests already read may take to be answered
     */
    public StdioHost(McpFeatures features, LiveServers liveServers, InputStream in, OutputStream out, Duration answerBound) {
        this(features, liveServers, in, out, answerBound, MAX_LINE_BYTES);
    }

    /**
     * @param answerBound  how long, after stdin ends, requests already read may take to be answered
     * @param maxLineBytes the longest stdin line accepted, at most {@link #MAX_LINE_BYTES}
     */
    public StdioHost(McpFeatures features, LiveServers liveServers, InputStream in, OutputStream out, Duration answerBound,
                     int maxLineBytes) {
        if (maxLineBytes < 1 || maxLineBytes > MAX_LINE_BYTES) {
            throw new IllegalArgumentException("maxLineBytes must be between 1 and " + MAX_LINE_BYTES + ", got " + maxLineBytes);
        }
        this.liveServers = liveServers;
        this.pending = new PendingRequests(in, out, answerBound, maxLineBytes, liveServers.cancellations()::cancel);
        McpJsonMapper json = McpJsonDefaults.getMapper();
        var transport = new StdioServerTransportProvider(json, pending.input(), pending.output());
        this.server = features.offeringSampling(liveServers.samplingClients()).applyTo(McpServer.sync(transport).jsonMapper(json)).build();
        liveServers.add(server);
        // 2026-07-28 (stateless) requests are answered beside the SDK session, from the same features
        ObjectMapper jackson = new ObjectMapper();
        var subscriptions = new Subscriptions(jackson, Duration.ofSeconds(30));
        liveServers.onResourceUpdated(subscriptions::resourceUpdated);
        var dispatcher = new StatelessDispatcher(features, jackson, json, new CachedSchemaValidator(
                features.tools().stream().map(t -> t.tool().inputSchema()).toList()),
                new RequestState(jackson, RequestState.randomKey(), Duration.ofMinutes(30), Clock.systemUTC()));
        pending.answerStatelessWith(new StatelessStdio(dispatcher, subscriptions, McpTransportContext.EMPTY));
        pending.start();
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
