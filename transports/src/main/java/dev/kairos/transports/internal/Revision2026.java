package dev.kairos.transports.internal;

import java.util.List;

/** Names and codes of MCP's stateless 2026-07-28 revision, in one place. */
public final class Revision2026 {
    private Revision2026() {
    }

    public static final String VERSION = "2026-07-28";
    /** Every revision a client may ask for, newest first: the stateless one and the session-based ones. */
    public static final List<String> SUPPORTED = List.of(VERSION, "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05");

    public static final String META_VERSION = "io.modelcontextprotocol/protocolVersion";
    public static final String META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities";
    public static final String META_CLIENT_INFO = "io.modelcontextprotocol/clientInfo";
    public static final String META_SERVER_INFO = "io.modelcontextprotocol/serverInfo";
    public static final String META_LOG_LEVEL = "io.modelcontextprotocol/logLevel";
    public static final String META_SUBSCRIPTION = "io.modelcontextprotocol/subscriptionId";

    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    public static final int HEADER_MISMATCH = -32020;
    public static final int MISSING_CLIENT_CAPABILITY = -32021;
    public static final int UNSUPPORTED_VERSION = -32022;

    /** Whether a version named by a client is served by the stateless dispatcher (not a session). */
    public static boolean isStateless(String version) {
        return version != null && !SUPPORTED.subList(1, SUPPORTED.size()).contains(version);
    }
}
