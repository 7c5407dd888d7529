package dev.kairos.server.cli;

import dev.kairos.server.Application;
import dev.kairos.server.Version;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.transports.HttpHost;
import dev.kairos.transports.HttpSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code kairos serve}: the hosted endpoint for remote agents — Streamable HTTP at {@code /mcp},
 * legacy SSE at {@code /sse}, health at {@code /health}. Stops gracefully on SIGTERM/SIGINT.
 */
@Command(name = "serve", description = "Serve MCP over HTTP: Streamable HTTP at /mcp, legacy SSE at /sse, health at /health.")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--host", paramLabel = "ADDRESS",
            description = "Bind address (default 127.0.0.1). A non-loopback address requires bearer tokens.")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port (default 8765; 0 picks a free one).")
    Integer port;

    @Override
    public Integer call() throws Exception {
        KairosConfig config = common.loadConfig();
        HttpSettings configured = config.httpSettings();
        HttpSettings settings = configured
                .withHost(host != null ? host : configured.host())
                .withPort(port != null ? port : configured.port());
        settings.checkSafeToStart();
        Application app = new Application(config, common.applicationOptions());
        CountDownLatch stopped = new CountDownLatch(1);
        HttpHost http;
        try {
            http = app.serveHttp(settings);
        } catch (Exception e) {
            app.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("kairos: stopping (finishing calls in flight, at most "
                    + settings.shutdownGrace().toSeconds() + " s)");
            app.close();
            stopped.countDown();
        }, "kairos-shutdown"));
        String base = http.baseUrl();
        System.err.println("kairos " + Version.current() + " listening on " + base + HttpHost.MCP_PATH
                + " (Streamable HTTP); legacy SSE at " + base + HttpHost.SSE_PATH + "; health at " + base + HttpHost.HEALTH_PATH
                + (settings.tokens().isEmpty() ? "; no tokens (loopback only)" : "; bearer tokens required"));
        stopped.await();
        return 0;
    }
}
