package dev.kairos.transports.internal;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;

import java.io.IOException;

/**
 * The SDK's JSON mapper, except that converting a value that already has the wanted type hands it
 * back instead of serialising and re-reading it (Jackson's {@code convertValue} always copies).
 *
 * <p>{@link JsonRpcReader} reads {@code tools/call} params straight into the request record, so the
 * SDK's "convert params to a CallToolRequest" step becomes free.
 */
public final class NoCopyJsonMapper implements McpJsonMapper {
    private final McpJsonMapper delegate;

    public NoCopyJsonMapper(McpJsonMapper delegate) {
        this.delegate = delegate;
    }

    @Override
    public <T> T convertValue(Object value, Class<T> type) {
        if (type != Object.class && type.isInstance(value)) {
            return type.cast(value);
        }
        return delegate.convertValue(value, type);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T convertValue(Object value, TypeRef<T> type) {
        // Only plain classes: a generic target (a Map<String, Object>, say) may still need conversion of its parts.
        if (type.getType() instanceof Class<?> c && c != Object.class && c.isInstance(value)) {
            return (T) value;
        }
        return delegate.convertValue(value, type);
    }

    @Override
    public <T> T readValue(String content, Class<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(byte[] content, Class<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(String content, TypeRef<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public <T> T readValue(byte[] content, TypeRef<T> type) throws IOException {
        return delegate.readValue(content, type);
    }

    @Override
    public String writeValueAsString(Object value) throws IOException {
        return delegate.writeValueAsString(value);
    }

    @Override
    public byte[] writeValueAsBytes(Object value) throws IOException {
        return delegate.writeValueAsBytes(value);
    }
}
