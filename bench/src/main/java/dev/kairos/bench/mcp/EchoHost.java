package dev.kairos.bench.mcp;

import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Kairos's HTTP host from {@code transports} with nothing but an {@code echo} tool: isolates the
 * protocol stack (Jetty + SDK transport + our handlers) from the application behind {@code kairos serve}.
 *
 * <p>Usage: {@code EchoHost [port]}; prints {@code listening on http://127.0.0.1:N/mcp} on stderr and
 * runs until SIGTERM.
 */
public final class EchoHost {
    private static final Logger log = LoggerFactory.getLogger(EchoHost.class);

    private EchoHost() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        var schema = McpJsonDefaults.getMapper();
        var tool = McpSchema.Tool.builder()
                .name("echo")
                .description("Echoes the message back")
                .inputSchema(schema, """
                        {"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}""")
                .build();
        var echo = new SyncToolSpecification(tool, (exchange, request) -> McpSchema.CallToolResult.builder()
                .addTextContent(String.valueOf(request.arguments().get("message")))
                .build());
        var features = new McpFeatures("kairos-echo-host", "bench", null, List.of(echo), List.of(), List.of(), List.of(), List.of());
        var host = new HttpHost(HttpSettings.defaults().withPort(port), features, new LiveServers(), "default",
                () -> "{\"status\":\"ok\"}").start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            host.close();
            stopped.countDown();
        }));
        // The runner script waits for this exact line, as it does for kairos serve.
        System.err.println("listening on " + host.baseUrl() + HttpHost.MCP_PATH);
        log.debug("echo host up");
        stopped.await();
    }
}
