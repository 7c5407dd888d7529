package dev.kairos.transports.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The revision's rules for {@code x-mcp-header}: which annotations are valid, and what a call's arguments become. */
class ParamHeadersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static String sentinel(String v) {
        return "=?base64?" + Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)) + "?=";
    }

    @Test
    void annotatedPropertiesAreFoundThroughNestedPropertiesOnly() {
        JsonNode schema = json("""
                {'type':'object','properties':{
                  'region':{'type':'string','x-mcp-header':'Region'},
                  'query':{'type':'string'},
                  'x-mcp-header':{'type':'string'},
                  'target':{'type':'object','properties':{'zone':{'type':['integer','null'],'x-mcp-header':'Zone'}}},
                  'mode':{'type':'string','default':{'x-mcp-header':'not an annotation'}}}}""");
        ParamHeaders.Valid v = assertInstanceOf(ParamHeaders.Valid.class, ParamHeaders.read(schema));
        assertEquals(List.of(new ParamHeaders.Param(List.of("region"), "Region"),
                new ParamHeaders.Param(List.of("target", "zone"), "Zone")), v.params());
        assertEquals(new ParamHeaders.Valid(List.of()), ParamHeaders.read(json("{'type':'object'}")));
        assertEquals(new ParamHeaders.Valid(List.of()), ParamHeaders.read(null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "empty | {'properties':{'v':{'type':'string','x-mcp-header':''}}} | is empty",
            "object | {'properties':{'v':{'type':'object','x-mcp-header':'Data'}}} | of type object",
            "array | {'properties':{'v':{'type':'array','items':{'type':'string'},'x-mcp-header':'Items'}}} | of type array",
            "null | {'properties':{'v':{'type':'null','x-mcp-header':'Nil'}}} | of type null",
            "number | {'properties':{'v':{'type':'number','x-mcp-header':'Score'}}} | of type number",
            "no type | {'properties':{'v':{'x-mcp-header':'Any'}}} | of type (none)",
            "mixed types | {'properties':{'v':{'type':['string','object'],'x-mcp-header':'Mixed'}}} | of type [",
            "same case | {'properties':{'a':{'type':'string','x-mcp-header':'Region'},'b':{'type':'string','x-mcp-header':'Region'}}} | repeats 'Region'",
            "other case | {'properties':{'a':{'type':'string','x-mcp-header':'MyField'},'b':{'type':'string','x-mcp-header':'myfield'}}} | ignore case",
            "space | {'properties':{'v':{'type':'string','x-mcp-header':'My Region'}}} | not an HTTP header name",
            "colon | {'properties':{'v':{'type':'string','x-mcp-header':'Region:Primary'}}} | not an HTTP header name",
            "non-ASCII | {'properties':{'v':{'type':'string','x-mcp-header':'Région'}}} | not an HTTP header name",
            "tab | {'properties':{'v':{'type':'string','x-mcp-header':'Region\\t1'}}} | \\u0009",
            "not a string | {'properties':{'v':{'type':'string','x-mcp-header':5}}} | is not a string",
            "on the root | {'type':'object','x-mcp-header':'Root'} | not on a property",
            "under items | {'properties':{'l':{'type':'array','items':{'type':'object','properties':{'v':{'type':'string','x-mcp-header':'V'}}}}}} | /properties/l/items",
            "under oneOf | {'oneOf':[{'properties':{'v':{'type':'string','x-mcp-header':'V'}}}]} | /oneOf/0",
            "under $defs | {'$defs':{'d':{'type':'string','x-mcp-header':'D'}},'properties':{'v':{'$ref':'#/$defs/d'}}} | /$defs/d",
    })
    void anInvalidAnnotationMakesTheToolInvalidAndSaysWhy(String what, String schema, String reason) {
        ParamHeaders.Invalid bad = assertInstanceOf(ParamHeaders.Invalid.class, ParamHeaders.read(json(schema)), what);
        assertTrue(bad.reason().contains(reason), what + ": " + bad.reason());
    }

    @Test
    void argumentsBecomeHeadersByTheRevisionsEncoding() {
        List<ParamHeaders.Param> params = List.of(
                new ParamHeaders.Param(List.of("region"), "Region"),
                new ParamHeaders.Param(List.of("priority"), "Priority"),
                new ParamHeaders.Param(List.of("verbose"), "Verbose"),
                new ParamHeaders.Param(List.of("debug"), "Debug"),
                new ParamHeaders.Param(List.of("greeting"), "Greeting"),
                new ParamHeaders.Param(List.of("padded"), "Padded"),
                new ParamHeaders.Param(List.of("lines"), "Lines"),
                new ParamHeaders.Param(List.of("tab"), "Tab"),
                new ParamHeaders.Param(List.of("literal"), "Literal"),
                new ParamHeaders.Param(List.of("inner"), "Inner"),
                new ParamHeaders.Param(List.of("whole"), "Whole"),
                new ParamHeaders.Param(List.of("target", "zone"), "Zone"),
                new ParamHeaders.Param(List.of("absent"), "Absent"),
                new ParamHeaders.Param(List.of("nothing"), "Nothing"),
                new ParamHeaders.Param(List.of("target", "missing"), "Missing"));
        JsonNode args = json("""
                {'region':'us-west1','priority':-7,'verbose':false,'debug':true,'greeting':'Hello, 世界',
                 'padded':' padded ','lines':'line1\\nline2','tab':'\\tindented','literal':'=?base64?literal?=',
                 'inner':'us west 1','whole':42.0,'target':{'zone':3},'nothing':null,'query':'SELECT 1'}""");
        Map<String, String> h = ParamHeaders.headers(params, args);
        assertEquals("us-west1", h.get("Mcp-Param-Region"));
        assertEquals("-7", h.get("Mcp-Param-Priority"));
        assertEquals("false", h.get("Mcp-Param-Verbose"));
        assertEquals("true", h.get("Mcp-Param-Debug"));
        assertEquals("=?base64?SGVsbG8sIOS4lueVjA==?=", h.get("Mcp-Param-Greeting"));
        assertEquals("=?base64?IHBhZGRlZCA=?=", h.get("Mcp-Param-Padded"));
        assertEquals("=?base64?bGluZTEKbGluZTI=?=", h.get("Mcp-Param-Lines"));
        assertEquals(sentinel("\tindented"), h.get("Mcp-Param-Tab"));
        assertEquals("=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=", h.get("Mcp-Param-Literal"));
        assertEquals("us west 1", h.get("Mcp-Param-Inner"));
        assertEquals("42", h.get("Mcp-Param-Whole"));
        assertEquals("3", h.get("Mcp-Param-Zone"));
        // absent and null values give no header; unannotated arguments never do
        assertEquals(12, h.size(), h.toString());
    }
}
