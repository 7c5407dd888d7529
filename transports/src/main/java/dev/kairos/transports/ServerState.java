package dev.kairos.transports;

/**
 * Where a downstream connection stands, for {@code kairos tools list} and the logs.
 *
 * @param detail   why it is not ready (the error, with the last stderr lines of a stdio server); empty when ready
 * @param protocol the negotiated protocol version, or null before initialize
 * @param server   the server's name and version as it gave them, or null
 * @param transport "stdio", "streamable-http" or "sse"
 */
public record ServerState(Status status, String detail, String protocol, String server, String transport) {
    /** The life of a connection. */
    public enum Status { CONNECTING, READY, RESTARTING, FAILED, CLOSED }
}
