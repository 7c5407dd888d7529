package dev.kairos.transports.internal;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The body of every error Jetty answers itself (503 while shutting down, 400 for a malformed request
 * line, 413 from the size limit): a JSON-RPC error in our own words, never an HTML page or exception text.
 */
public final class JsonRpcErrorPage extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() >= 400 ? response.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR_500;
        String message = switch (status) {
            case HttpStatus.SERVICE_UNAVAILABLE_503 -> "Server is shutting down or busy; retry later";
            case HttpStatus.PAYLOAD_TOO_LARGE_413 -> "Request body too large";
            case HttpStatus.NOT_FOUND_404 -> "Not found";
            case HttpStatus.METHOD_NOT_ALLOWED_405 -> "Method not allowed";
            case HttpStatus.BAD_REQUEST_400 -> "Bad Request";
            default -> status >= 500 ? "Internal error" : "HTTP " + status;
        };
        int code = status >= 500 ? -32603 : -32600;
        String body = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\"}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }
}
