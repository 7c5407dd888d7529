package dev.kairos.server.conformance;

import dev.kairos.transports.HttpHost;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.spec.McpClientTransport;

/** The fixtures over legacy HTTP+SSE ({@code /sse} + {@code /message}), which the conformance suite cannot reach. */
class FixturesOverLegacySseTest extends FixtureScenarios {
    private HttpHost host;

    @Override
    @SuppressWarnings("deprecation") // the SDK deprecates legacy SSE; 2024-11-05 clients still use it
    McpClientTransport startServer() throws Exception {
        host = FixturesOverStreamableHttpTest.startHost();
        return HttpClientSseClientTransport.builder(host.baseUrl()).sseEndpoint(HttpHost.SSE_PATH).build();
    }

    @Override
    void stopServer() {
        if (host != null) {
            host.close();
        }
    }
}
