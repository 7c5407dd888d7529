package dev.kairos.server.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.transports.Caller;
import dev.kairos.transports.LiveServers;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real MCP round trip for the memory tools: an SDK server on Jetty (Streamable HTTP, loopback, port 0) whose
 * transport context carries a given {@link Caller}, and an SDK client connected to it.
 */
final class McpHarness implements AutoCloseable {
    private final Server jetty;
    private final McpSyncServer server;
    private final McpSyncClient client;
    private final BlockingQueue<String> updated = new LinkedBlockingQueue<>();
    private final BlockingQueue<McpSchema.ProgressNotification> progress = new LinkedBlockingQueue<>();

    private McpHarness(MemoryToolsFactory tools, Caller caller) throws Exception {
        var mapper = new JacksonMcpJsonMapper(new ObjectMapper());
        var live = new LiveServers();
        MemoryTools memory = tools.create(live::resourceUpdated);
        var provider = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(mapper)
                .mcpEndpoint("/mcp")
                .contextExtractor(request -> caller == null ? McpTransportContext.EMPTY
                        : McpTransportContext.create(Map.of(Caller.CONTEXT_KEY, caller)))
                .build();
        server = McpServer.sync(provider)
                .serverInfo("kairos-test", "0")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).resources(true, true).build())
                .tools(memory.tools())
                .resourceTemplates(memory.resourceTemplates())
                .resources(memory.resources())
                .requestTimeout(Duration.ofSeconds(120))
                .build();
        live.add(server);
        jetty = new Server();
        var connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        var context = new ServletContextHandler();
        var holder = new ServletHolder(provider);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        jetty.setHandler(context);
        jetty.start();
        String base = "http://127.0.0.1:" + connector.getLocalPort();
        client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base).endpoint("/mcp").build())
                .requestTimeout(Duration.ofSeconds(120))
                .resourcesUpdateConsumer(contents -> contents.forEach(c -> updated.add(c.uri())))
                .progressConsumer(progress::add)
                .build();
        client.initialize();
    }

    /** Builds the tools with the harness's resource-update sink. */
    @FunctionalInterface
    interface MemoryToolsFactory {
        MemoryTools create(java.util.function.Consumer<String> resourceUpdated);
    }

    static McpHarness start(MemoryToolsFactory tools, Caller caller) throws Exception {
        return new McpHarness(tools, caller);
    }

    McpSyncClient client() {
        return client;
    }

    McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        return client.callTool(new McpSchema.CallToolRequest(tool, arguments));
    }

    /** The progress notifications received so far (for calls made with a progress token), taken. */
    List<McpSchema.ProgressNotification> takeProgress() {
        List<McpSchema.ProgressNotification> out = new ArrayList<>();
        progress.drainTo(out);
        return out;
    }

    /** Waits (bounded) for a resource-updated notification for {@code uri}; other URIs seen meanwhile are skipped. */
    boolean awaitUpdate(String uri, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> seen = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            String next = left <= 0 ? null : updated.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
                return false;
            }
            seen.add(next);
            if (next.equals(uri)) {
                return true;
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            client.closeGracefully();
        } finally {
            server.closeGracefully();
            jetty.stop();
        }
    }
}
