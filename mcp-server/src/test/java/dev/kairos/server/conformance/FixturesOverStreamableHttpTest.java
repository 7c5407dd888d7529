package dev.kairos.server.conformance;

import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixtures over Streamable HTTP ({@code /mcp}) of the real HTTP host, in process. */
class FixturesOverStreamableHttpTest extends FixtureScenarios {
    private HttpHost host;

    @Override
    McpClientTransport startServer() throws Exception {
        host = startHost();
        return HttpClientStreamableHttpTransport.builder(host.baseUrl()).endpoint(HttpHost.MCP_PATH).build();
    }

    @Override
    void stopServer() {
        if (host != null) {
            host.close();
        }
    }

    @Test
    void clientWithoutSamplingOrElicitationGetsAToolError() {
        try (McpSyncClient plain = McpClient.sync(HttpClientStreamableHttpTransport.builder(host.baseUrl())
                .endpoint(HttpHost.MCP_PATH).build()).requestTimeout(WAIT).build()) {
            plain.initialize();
            for (var call : Map.of("test_sampling", Map.<String, Object>of("prompt", "hi"),
                    "test_elicitation", Map.<String, Object>of("message", "hi")).entrySet()) {
                CallToolResult result = plain.callTool(new CallToolRequest(call.getKey(), call.getValue()));
                assertEquals(Boolean.TRUE, result.isError(), call.getKey());
                String text = ((TextContent) result.content().get(0)).text();
                assertTrue(text.contains(call.getKey().substring(5)), call.getKey() + ": " + text);
            }
        }
    }

    /** The HTTP host on a free loopback port, serving only the fixtures. */
    static HttpHost startHost() throws Exception {
        LiveServers live = new LiveServers();
        ConformanceFixtures.Fixtures f = ConformanceFixtures.Fixtures.of(live);
        McpFeatures features = new McpFeatures("kairos-test", "0", null, f.tools(), f.resources(), f.templates(),
                f.prompts(), f.completions());
        return new HttpHost(HttpSettings.defaults().withPort(0), features, live, "default", () -> "{}").start();
    }
}
