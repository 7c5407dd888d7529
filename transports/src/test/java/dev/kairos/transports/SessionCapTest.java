package dev.kairos.transports;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cap on open sessions per token: each token is counted on its own, and initializes racing each
 * other cannot together open more sessions than the cap.
 */
class SessionCapTest {
    static final int CAP = 3;
    static final String ALICE = "alice-secret-0123456789abcdef";
    static final String BOB = "bob-secret-0123456789abcdefgh";
    static HttpHost host;

    @BeforeAll
    static void start() throws Exception {
        var tokens = List.of(new AccessToken("alice", ALICE, Set.of("team-a"), null),
                new AccessToken("bob", BOB, Set.of("team-b"), null));
        host = new HttpHost(HttpSettings.defaults().withPort(0).withTokens(tokens).withMaxSessionsPerToken(CAP),
                new TestFeatures().features(), new LiveServers(), "default", () -> "{}").start();
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    private static RawMcp client() {
        return new RawMcp(host.baseUrl() + HttpHost.MCP_PATH);
    }

    private static String bearer(String secret) {
        return "Bearer " + secret;
    }

    @Test
    void concurrentInitializesOfOneTokenCannotPassTheCapAndOtherTokensAreCountedApart() throws Exception {
        int tries = 10;
        List<RawMcp> clients = new ArrayList<>();
        List<Future<Integer>> statuses = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(tries);
        try {
            for (int i = 0; i < tries; i++) {
                RawMcp c = client();
                clients.add(c);
                statuses.add(pool.submit(() -> {
                    go.await();
                    return c.initialize("Authorization", bearer(ALICE)).status();
                }));
            }
            go.countDown();
            int opened = 0;
            int refused = 0;
            for (Future<Integer> f : statuses) {
                int status = f.get(60, TimeUnit.SECONDS);
                if (status == 200) {
                    opened++;
                } else {
                    assertEquals(503, status);
                    refused++;
                }
            }
            assertEquals(CAP, opened, "sessions opened by " + tries + " racing initializes");
            assertEquals(tries - CAP, refused);

            // alice's full cap leaves bob's untouched
            List<RawMcp> bobs = new ArrayList<>();
            for (int i = 0; i < CAP; i++) {
                RawMcp bob = client();
                assertEquals(200, bob.initialize("Authorization", bearer(BOB)).status(), "bob's session " + (i + 1));
                bobs.add(bob);
            }
            RawMcp.RawResponse bobOverCap = client().initialize("Authorization", bearer(BOB));
            assertEquals(503, bobOverCap.status());
            assertEquals(-32000, bobOverCap.message().at("/error/code").asInt(), bobOverCap.body());
            assertEquals(503, client().initialize("Authorization", bearer(ALICE)).status());

            // ending one of alice's sessions frees exactly one place, for alice only
            RawMcp one = clients.stream().filter(c -> c.sessionId != null).findFirst().orElseThrow();
            one.delete("Authorization", bearer(ALICE));
            assertEquals(503, client().initialize("Authorization", bearer(BOB)).status());
            RawMcp again = client();
            assertEquals(200, again.initialize("Authorization", bearer(ALICE)).status());
            assertEquals(503, client().initialize("Authorization", bearer(ALICE)).status());
            again.delete("Authorization", bearer(ALICE));
            for (RawMcp bob : bobs) {
                bob.delete("Authorization", bearer(BOB));
            }
        } finally {
            pool.shutdownNow();
            for (RawMcp c : clients) {
                c.delete("Authorization", bearer(ALICE));
            }
        }
    }
}
