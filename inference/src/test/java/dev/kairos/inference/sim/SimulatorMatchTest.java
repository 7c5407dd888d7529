package dev.kairos.inference.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator's {@code match} response: a transcript keyed by request content answers requests in any order. */
class SimulatorMatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theFirstCaseWhoseTextOccursInTheBodyIsPlayedAndNoneIsA400() throws Exception {
        ObjectNode routes = JSON.createObjectNode();
        ArrayNode cases = routes.putArray("POST /v1/chat/completions").addObject().putArray("match");
        cases.addObject().put("contains", "about Ana").putObject("then").putObject("json").put("answer", "ana");
        cases.addObject().put("contains", "about Ben").putObject("then").putObject("json").put("answer", "ben");
        try (EngineSimulator sim = EngineSimulator.start(routes, 0);
             HttpClient http = HttpClient.newHttpClient()) {
            // Asked in the reverse of the script's order: each gets its own answer.
            assertEquals("ben", JSON.readTree(post(http, sim, "{\"q\": \"about Ben\"}").body()).path("answer").asText());
            assertEquals("ana", JSON.readTree(post(http, sim, "{\"q\": \"about Ana\"}").body()).path("answer").asText());
            HttpResponse<String> none = post(http, sim, "{\"q\": \"about Cy\"}");
            assertEquals(400, none.statusCode());
            assertTrue(none.body().contains("no scripted answer"), none.body());
        }
    }

    private static HttpResponse<String> post(HttpClient http, EngineSimulator sim, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sim.url() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
