package dev.kairos.transports.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kairos.transports.Caller;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Gives malformed POSTs to the legacy SSE message endpoint the JSON-RPC error the spec names, and
 * keeps SDK internals out of replies (Streamable HTTP does the same in {@link StreamableEndpoint}).
 *
 * <p>Invalid JSON gets -32700 and a body that is not a JSON-RPC message gets -32600, both with
 * HTTP 400. Error bodies the SDK writes itself (unknown session, shutting down) are rewritten as
 * plain JSON-RPC errors: left alone they would carry a serialised Java exception with its stack.
 */
public final class JsonRpcGate implements Filter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonRpcReader READER = new JsonRpcReader(JSON);

    private final SubscribeCheck subscribeCheck;

    /**
     * @param subscribeCheck refuses subscriptions to resources the caller may not read. The refusal
     *                       is this POST's answer (HTTP 400 with the JSON-RPC error and the request's
     *                       id): the legacy transport gives no way to put it on the session's stream.
     */
    public JsonRpcGate(SubscribeCheck subscribeCheck) {
        this.subscribeCheck = subscribeCheck;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        CleanErrors cleanErrors = new CleanErrors(response);
        if (!"POST".equals(request.getMethod())) {
            chain.doFilter(request, cleanErrors);
            return;
        }
        byte[] body = readBody(request);
        try {
            // the same shape check as Streamable HTTP's
            if (READER.read(body, 0, body.length) instanceof McpSchema.JSONRPCRequest call) {
                if (JsonRpcReader.paramsProblem(call) != null) {
                    reject(response, -32602, JsonRpcReader.paramsProblem(call));
                    return;
                }
                if (McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(call.method())
                        && subscribeCheck.refusal(request.getAttribute(Caller.CONTEXT_KEY), call) instanceof McpSchema.JSONRPCResponse.JSONRPCError refused) {
                    response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
                    response.setContentType("application/json");
                    response.setCharacterEncoding("UTF-8");
                    ObjectNode out = JSON.createObjectNode();
                    out.put("jsonrpc", "2.0");
                    out.set("id", JSON.valueToTree(call.id()));
                    out.set("error", JSON.valueToTree(refused));
                    response.getWriter().write(out.toString());
                    return;
                }
            }
        } catch (JsonRpcReader.BadMessage e) {
            reject(response, e.code(), e.getMessage());
            return;
        }
        chain.doFilter(new Replayed(request, body), cleanErrors);
    }

    /** Reads exactly the declared body (the size limit was enforced before), or to the end when chunked. */
    private static byte[] readBody(HttpServletRequest request) throws IOException {
        int length = request.getContentLength();
        return length >= 0 ? request.getInputStream().readNBytes(length) : request.getInputStream().readAllBytes();
    }

    private static void reject(HttpServletResponse response, int code, String message) throws IOException {
        response.setStatus(HttpServletResponse.SC_BAD_REQUEST);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(errorBody(code, message));
    }

    static String errorBody(int code, String message) {
        ObjectNode out = JSON.createObjectNode();
        out.put("jsonrpc", "2.0");
        out.putNull("id");
        out.putObject("error").put("code", code).put("message", message);
        return out.toString();
    }

    /** The body already read, offered again to the SDK servlet. */
    private static final class Replayed extends HttpServletRequestWrapper {
        private final byte[] body;

        Replayed(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("blocking reads only");
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }
    }

    /** Rewrites the SDK's serialised-exception error bodies into JSON-RPC errors. */
    private static final class CleanErrors extends HttpServletResponseWrapper {
        CleanErrors(HttpServletResponse response) {
            super(response);
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (getStatus() < 400) {
                return super.getWriter();
            }
            HttpServletResponse real = (HttpServletResponse) getResponse();
            StringWriter captured = new StringWriter();
            return new PrintWriter(captured) {
                private boolean written;

                @Override
                public void flush() {
                    super.flush();
                    if (written) {
                        return;
                    }
                    written = true;
                    try {
                        real.getWriter().write(clean(captured.toString(), real.getStatus()));
                        real.getWriter().flush();
                    } catch (IOException e) {
                        setError();
                    }
                }

                @Override
                public void close() {
                    flush();
                    super.close();
                }
            };
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            HttpServletResponse real = (HttpServletResponse) getResponse();
            real.setStatus(sc);
            real.setContentType("application/json");
            real.setCharacterEncoding("UTF-8");
            real.getWriter().write(errorBody(-32600, msg != null ? msg : "HTTP " + sc));
        }

        @Override
        public void sendError(int sc) throws IOException {
            sendError(sc, sc == 404 ? "Session not found or expired; start a new session with initialize" : null);
        }

        static String clean(String body, int status) {
            try {
                JsonNode node = JSON.readTree(body);
                JsonNode error = node.get("jsonRpcError");
                if (error != null && error.isObject()) {
                    ObjectNode out = JSON.createObjectNode();
                    out.put("jsonrpc", "2.0");
                    out.putNull("id");
                    out.set("error", error);
                    return out.toString();
                }
                if (node.has("jsonrpc")) {
                    return body;
                }
            } catch (JsonProcessingException ignored) {
                // fall through to a generic error
            }
            return errorBody(-32603, "HTTP " + status);
        }
    }
}
