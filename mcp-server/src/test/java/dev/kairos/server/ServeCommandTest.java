package dev.kairos.server;

import dev.kairos.server.testing.KairosProcess;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real {@code kairos serve} process: listens, answers health, refuses unsafe binds, stops on SIGTERM. */
class ServeCommandTest {

    @Test
    void servesHealthAndStopsOnSigterm() throws Exception {
        try (KairosProcess kairos = KairosProcess.serve()) {
            var health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(kairos.baseUrl() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"status\":\"ok\""), health.body());
            kairos.process().destroy(); // SIGTERM
            // Bounded by the shutdown grace plus the memory database's own stop, which waits out a start in progress.
            assertTrue(kairos.process().waitFor(90, TimeUnit.SECONDS), "exits after SIGTERM");
            // 143 = ended by SIGTERM through the JVM's orderly shutdown (not killed: that would be 137)
            assertEquals(143, kairos.process().exitValue(), kairos.stderrText());
        }
    }

    @Test
    void refusesANonLoopbackBindWithoutTokens() throws Exception {
        ProcessBuilder pb = KairosProcess.builder("serve", "--host", "0.0.0.0", "--port", "0");
        pb.environment().remove("KAIROS_TOKEN");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue());
        assertTrue(out.contains("kairos: refusing to listen on 0.0.0.0") && out.contains("requires at least one bearer token"), out);
        assertTrue(!out.contains("\tat "), "one clear line, no stack trace: " + out);
    }
}
