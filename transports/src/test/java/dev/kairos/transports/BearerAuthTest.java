package dev.kairos.transports;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With tokens configured, requests need one, and each token's caller reaches the tools. */
class BearerAuthTest {
    static final String TEAM_A = "team-a-secret-0123456789";
    static HttpHost host;

    @BeforeAll
    static void start() throws Exception {
        var tokens = List.of(new AccessToken("alice", TEAM_A, Set.of("team-a"), null));
        host = new HttpHost(HttpSettings.defaults().withPort(0).withTokens(tokens), new TestFeatures().features(),
                new LiveServers(), "default", () -> "{\"status\":\"ok\"}");
        host.start();
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    @Test
    void missingTokenIs401WithChallenge() throws Exception {
        RawMcp.RawResponse r = new RawMcp(host.baseUrl() + HttpHost.MCP_PATH).initialize();
        assertEquals(401, r.status());
        assertNotNull(r.header("WWW-Authenticate"));
        assertTrue(r.header("WWW-Authenticate").startsWith("Bearer"));
    }

    @Test
    void wrongTokenIs401() throws Exception {
        RawMcp.RawResponse r = new RawMcp(host.baseUrl() + HttpHost.MCP_PATH).initialize("Authorization", "Bearer wrong-token-0123456789");
        assertEquals(401, r.status());
        assertTrue(r.header("WWW-Authenticate").contains("invalid_token"));
    }

    @Test
    void rightTokenCarriesItsGroupsToTheTools() throws Exception {
        RawMcp raw = new RawMcp(host.baseUrl() + HttpHost.MCP_PATH);
        assertEquals(200, raw.initialize("Authorization", "Bearer " + TEAM_A).status());
        String who = raw.call(2, "whoami", "{}", "Authorization", "Bearer " + TEAM_A).message().at("/result/content/0/text").asText();
        assertEquals("alice team-a true false", who);
    }

    @Test
    void healthNeedsNoToken() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(host.baseUrl() + HttpHost.HEALTH_PATH)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
    }

    @Test
    void aTokenCannotTakeTheLocalUsersName() {
        // the name is the token's principal, and agent runs of principal "local" are the local user's
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new AccessToken("local", TEAM_A, Set.of("*"), null));
        assertTrue(e.getMessage().contains("'local' is reserved"), e.getMessage());
        assertEquals("locals", new AccessToken("locals", TEAM_A, Set.of("*"), null).caller().principal());
    }

    @Test
    void tokensNeverShowInToString() {
        assertFalse(new AccessToken("x", TEAM_A, Set.of("*"), null).toString().contains(TEAM_A));
    }
}
