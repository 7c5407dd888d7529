package dev.kairos.bench.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The bare MCP Java SDK on Jetty with one echo tool, none of Kairos's handlers: the floor that
 * {@code kairos serve} is measured against, and a place to try SDK settings before proposing them.
 *
 * <p>Usage: {@code SdkEchoServer [port] [--immediate] [--no-input-validation]}; prints
 * {@code listening on http://127.0.0.1:N/mcp} on stderr and runs until SIGTERM.
 */
public final class SdkEchoServer {
    private SdkEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        List<String> flags = List.of(args);
        int port = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 0;
        var json = McpJsonDefaults.getMapper();
        var transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(json)
                .mcpEndpoint("/mcp")
                .build();
        var tool = McpSchema.Tool.builder()
                .name("echo")
                .description("Echoes the message back")
                .inputSchema(json, """
                        {"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}""")
                .build();
        McpSyncServer mcp = McpServer.sync(transport)
                .jsonMapper(json)
                .serverInfo("kairos-sdk-echo", "bench")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                // Runs the sync handler on the servlet thread instead of hopping to Reactor's boundedElastic pool.
                .immediateExecution(flags.contains("--immediate"))
                .validateToolInputs(!flags.contains("--no-input-validation"))
                .tools(new SyncToolSpecification(tool, (exchange, request) -> McpSchema.CallToolResult.builder()
                        .addTextContent(String.valueOf(request.arguments().get("message")))
                        .build()))
                .build();

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        ServletHolder holder = new ServletHolder(transport);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/mcp");
        server.setHandler(context);
        server.start();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                mcp.closeGracefully();
                server.stop();
            } catch (Exception ignored) {
                // exiting anyway
            }
            stopped.countDown();
        }));
        System.err.println("listening on http://127.0.0.1:" + connector.getLocalPort() + "/mcp");
        stopped.await();
    }
}
