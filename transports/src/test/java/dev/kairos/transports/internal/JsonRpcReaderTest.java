package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One pass from bytes to the SDK's records, with the JSON-RPC error codes the spec names for bad bodies. */
class JsonRpcReaderTest {
    private final ObjectMapper json = new ObjectMapper();
    private final JsonRpcReader reader = new JsonRpcReader(json);

    private McpSchema.JSONRPCMessage read(String body) throws JsonRpcReader.BadMessage {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return reader.read(bytes, 0, bytes.length);
    }

    private int codeOf(String body) {
        return assertThrows(JsonRpcReader.BadMessage.class, () -> read(body), body).code();
    }

    @Test
    void toolCallParamsAreReadAsTheRequestRecord() throws Exception {
        var m = assertInstanceOf(McpSchema.JSONRPCRequest.class,
                read("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"hi\",\"n\":1.5}}}"));
        assertEquals(7, m.id());
        var call = assertInstanceOf(McpSchema.CallToolRequest.class, m.params());
        assertEquals("echo", call.name());
        assertEquals(Map.of("message", "hi", "n", 1.5), call.arguments());
    }

    @Test
    void otherParamsStayPlainMapsAsTheSdkExpects() throws Exception {
        var m = assertInstanceOf(McpSchema.JSONRPCRequest.class,
                read("{\"params\":{\"cursor\":\"c\"},\"method\":\"tools/list\",\"id\":\"a\",\"jsonrpc\":\"2.0\"}"));
        assertEquals("a", m.id());
        assertEquals(Map.of("cursor", "c"), m.params());
        // tools/call params that do not fit the record are left to the SDK as a map
        var odd = assertInstanceOf(McpSchema.JSONRPCRequest.class,
                read("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":{\"x\":1}}}"));
        assertEquals(Map.of("name", Map.of("x", 1)), odd.params());
    }

    @Test
    void notificationsAndResponsesAreTold() throws Exception {
        var n = assertInstanceOf(McpSchema.JSONRPCNotification.class, read("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
        assertNull(n.params());
        var ok = assertInstanceOf(McpSchema.JSONRPCResponse.class, read("{\"jsonrpc\":\"2.0\",\"id\":\"s-1\",\"result\":{\"a\":[1]}}"));
        assertEquals(Map.of("a", List.of(1)), ok.result());
        var err = assertInstanceOf(McpSchema.JSONRPCResponse.class,
                read("{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-1,\"message\":\"no\"}}"));
        assertEquals(-1, err.error().code());
        assertEquals("no", err.error().message());
    }

    @Test
    void brokenJsonAnywhereIsAParseError() {
        for (String body : List.of("{\"jsonrpc\":", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} {", "[1,")) {
            assertEquals(-32700, codeOf(body));
        }
    }

    @Test
    void wellFormedButNotAMessageIsAnInvalidRequestThatSaysWhy() {
        for (String body : List.of("", "{\"foo\":1}", "[]", "[{}]", "42", "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
                "{\"jsonrpc\":\"2.0\",\"method\":7}", "{\"jsonrpc\":\"2.0\",\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"bad\"}")) {
            assertEquals(-32600, codeOf(body), body);
        }
        var e = assertThrows(JsonRpcReader.BadMessage.class, () -> read("{\"jsonrpc\":\"2.0\",\"method\":\"\"}"));
        assertTrue(e.getMessage().contains("\"method\""), e.getMessage());
    }

    @Test
    void mapperHandsBackValuesThatAlreadyHaveTheWantedType() {
        var mapper = new NoCopyJsonMapper(new JacksonMcpJsonMapper(json));
        var call = new McpSchema.CallToolRequest("echo", Map.of("message", "x"));
        assertSame(call, mapper.convertValue(call, new TypeRef<McpSchema.CallToolRequest>() {
        }));
        assertSame(call, mapper.convertValue(call, McpSchema.CallToolRequest.class));
        // a map still converts, and generic targets are always converted
        McpSchema.CallToolRequest fromMap = mapper.convertValue(Map.of("name", "echo"), new TypeRef<>() {
        });
        assertEquals("echo", fromMap.name());
        Map<String, Object> args = Map.of("a", 1);
        assertNotSame(args, mapper.convertValue(args, new TypeRef<Map<String, Object>>() {
        }));
    }
}
