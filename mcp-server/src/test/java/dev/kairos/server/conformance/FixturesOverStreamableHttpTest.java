package dev.kairos.server.conformance;

import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import dev.kairos.transports.LiveServers;
import dev.kairos.transports.McpFeatures;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpClientTransport;

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

    /** The HTTP host on a free loopback port, serving only the fixtures. */
    static HttpHost startHost() throws Exception {
        LiveServers live = new LiveServers();
        ConformanceFixtures.Fixtures f = ConformanceFixtures.Fixtures.of(live);
        McpFeatures features = new McpFeatures("kairos-test", "0", null, f.tools(), f.resources(), f.templates(),
                f.prompts(), f.completions());
        return new HttpHost(HttpSettings.defaults().withPort(0), features, live, "default", () -> "{}").start();
    }
}
