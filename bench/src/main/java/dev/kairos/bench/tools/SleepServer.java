package dev.kairos.bench.tools;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The downstream server of the fan-out benchmark: the bare MCP Java SDK with one tool, {@code sleep
 * {ms}}, which answers "slept N" after N milliseconds. The wait is a timer, not a blocked thread, so
 * the server answers 32 (or 1,000) sleeping calls at once over either transport and is never the
 * bottleneck being measured; over stdio the replies leave from one thread, which formats and queues them
 * only (see below); over HTTP from all cores.
 *
 * <p>Usage: {@code SleepServer stdio} (the protocol on stdin/stdout), or {@code SleepServer http [port]},
 * which prints {@code listening on http://127.0.0.1:N/mcp} on stderr. Runs until killed.
 */
public final class SleepServer {
    private SleepServer() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "stdio";
        var json = McpJsonDefaults.getMapper();
        var tool = McpSchema.Tool.builder()
                .name("sleep")
                .description("Sleeps ms milliseconds, then answers.")
                .inputSchema(json, """
                        {"type":"object","properties":{"ms":{"type":"integer","minimum":0}},"required":["ms"]}""")
                .annotations(new McpSchema.ToolAnnotations("Sleep", true, false, true, false, false))
                .build();
        // Over stdio every answer is signalled on one thread: the SDK 2.1.0 stdio server transport drops a reply
        // ("Failed to enqueue message") when two threads send at the same moment (java-sdk issue 686).
        // Over HTTP each reply has its own response stream, so the replies leave from all cores at once.
        Scheduler replies = mode.equals("http") ? Schedulers.parallel() : Schedulers.newSingle("replies", true);
        AsyncToolSpecification sleep = new AsyncToolSpecification(tool, (exchange, request) -> {
            long ms = ((Number) request.arguments().get("ms")).longValue();
            Mono<McpSchema.CallToolResult> answer = Mono.fromSupplier(() -> McpSchema.CallToolResult.builder()
                    .addTextContent("slept " + ms).isError(false).build());
            return ms <= 0 ? answer.subscribeOn(replies) : Mono.delay(Duration.ofMillis(ms), replies).then(answer);
        });
        switch (mode) {
            case "stdio" -> {
                McpAsyncServer server = serve(new StdioServerTransportProvider(json), sleep);
                System.err.println("sleep server on stdio");
                new CountDownLatch(1).await(); // the client ends the process
                server.close();
            }
            case "http" -> http(args.length > 1 ? Integer.parseInt(args[1]) : 0, sleep);
            default -> throw new IllegalArgumentException("mode '" + mode + "': use stdio or http [port]");
        }
    }

    private static McpAsyncServer serve(McpServerTransportProvider transport, AsyncToolSpecification tool) {
        return McpServer.async(transport)
                .jsonMapper(McpJsonDefaults.getMapper())
                .serverInfo("kairos-bench-sleep", "1")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(tool)
                .build();
    }

    private static McpAsyncServer serve(HttpServletStreamableServerTransportProvider transport, AsyncToolSpecification tool) {
        return McpServer.async(transport)
                .jsonMapper(McpJsonDefaults.getMapper())
                .serverInfo("kairos-bench-sleep", "1")
                .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
                .tools(tool)
                .build();
    }

    private static void http(int port, AsyncToolSpecification tool) throws Exception {
        var transport = HttpServletStreamableServerTransportProvider.builder()
                .jsonMapper(McpJsonDefaults.getMapper())
                .mcpEndpoint("/mcp")
                .build();
        McpAsyncServer mcp = serve(transport, tool);
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
                mcp.close();
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
