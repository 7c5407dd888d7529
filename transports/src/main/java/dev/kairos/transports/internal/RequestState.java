package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code requestState} of a multi round-trip request: the answers the client gave in earlier
 * rounds, bound to who asked, which request and until when, and signed with HMAC-SHA256 so a client
 * cannot forge or replay it elsewhere. It carries the client's own answers and nothing of the server's.
 *
 * <p>Instances behind one load balancer must share the key ({@code server.request_state_key}) so a
 * retry may land on any of them; without one each process makes its own.
 */
public final class RequestState {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final ObjectMapper json;
    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    /** What a state is bound to: the principal, the method, the tool/prompt/resource name, the arguments. */
    public record Binding(String principal, String method, String name, JsonNode arguments) {
    }

    /** A state that failed verification; the message says why, in the client's terms. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    public RequestState(ObjectMapper json, byte[] key, Duration ttl, Clock clock) {
        if (key.length < 16) {
            throw new IllegalArgumentException("request state key must be at least 16 bytes");
        }
        this.json = json;
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
        this.ttl = ttl;
        this.clock = clock;
    }

    /** A fresh random key, for a single instance. */
    public static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** Seals the answers gathered so far for this binding. */
    public String seal(Binding binding, ObjectNode answers) {
        ObjectNode payload = json.createObjectNode();
        payload.put("b", digest(binding));
        payload.put("x", clock.millis() + ttl.toMillis());
        payload.set("a", answers);
        byte[] body = writeBytes(payload);
        return B64.encodeToString(body) + "." + B64.encodeToString(mac(body));
    }

    /** The answers inside {@code token}, once its signature, binding and expiry check out. */
    public ObjectNode open(String token, Binding binding) throws Invalid {
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.')) {
            throw new Invalid("requestState is not one this server issued");
        }
        byte[] body;
        byte[] signature;
        try {
            body = B64D.decode(token.substring(0, dot));
            signature = B64D.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            throw new Invalid("requestState is not one this server issued");
        }
        if (!MessageDigest.isEqual(signature, mac(body))) {
            throw new Invalid("requestState failed its integrity check");
        }
        JsonNode payload;
        try {
            payload = json.readTree(body);
        } catch (java.io.IOException e) {
            throw new Invalid("requestState is not one this server issued");
        }
        if (!digest(binding).equals(payload.path("b").asText())) {
            throw new Invalid("requestState belongs to another request or caller");
        }
        if (payload.path("x").asLong() < clock.millis()) {
            throw new Invalid("requestState has expired; send the request again without it");
        }
        return payload.get("a") instanceof ObjectNode answers ? answers : json.createObjectNode();
    }

    private String digest(Binding binding) {
        ObjectNode b = json.createObjectNode();
        b.put("p", binding.principal());
        b.put("m", binding.method());
        b.put("n", binding.name());
        b.set("a", canonical(binding.arguments()));
        try {
            return B64.encodeToString(MessageDigest.getInstance("SHA-256").digest(writeBytes(b)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The same arguments give the same bytes whatever order the client wrote their keys in. */
    private JsonNode canonical(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return json.nullNode();
        }
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                sorted.put(e.getKey(), canonical(e.getValue()));
            }
            ObjectNode out = json.createObjectNode();
            sorted.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            var out = json.createArrayNode();
            node.forEach(n -> out.add(canonical(n)));
            return out;
        }
        return node;
    }

    private byte[] mac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    private byte[] writeBytes(JsonNode node) {
        try {
            return json.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
