package dev.kairos.server.conformance;

import dev.kairos.server.testing.KairosProcess;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpClientTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/** The fixtures over stdio of a real {@code kairos mcp --conformance-fixtures} subprocess. */
class FixturesOverStdioTest extends FixtureScenarios {
    private static final Logger log = LoggerFactory.getLogger(FixturesOverStdioTest.class);

    @Override
    McpClientTransport startServer() {
        List<String> command = KairosProcess.command("mcp", "--conformance-fixtures");
        ServerParameters params = ServerParameters.builder(command.get(0)).args(command.subList(1, command.size()))
                .env(KairosProcess.NO_MEMORY).build();
        StdioClientTransport transport = new StdioClientTransport(params, McpJsonDefaults.getMapper());
        transport.setStdErrorHandler(line -> log.debug("kairos mcp: {}", line));
        return transport;
    }

    @Override
    void stopServer() {
        // closing the client closes the subprocess's stdin, and kairos mcp exits on EOF
    }
}
