package dev.kairos.transports;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Where a downstream MCP server lives: a process spoken to over stdio, or an HTTP endpoint. */
public sealed interface ServerEndpoint {
    /** A server started as a child process; its stdout and stdin carry the protocol. */
    record Stdio(String command, List<String> args, Map<String, String> env, Path cwd) implements ServerEndpoint {
        public Stdio {
            Objects.requireNonNull(command, "command");
            args = args == null ? List.of() : List.copyOf(args);
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }

    /** A server at a URL; {@code kind} AUTO tries Streamable HTTP, then legacy SSE. */
    record Http(String url, Map<String, String> headers, HttpKind kind) implements ServerEndpoint {
        public Http {
            Objects.requireNonNull(url, "url");
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            kind = kind == null ? HttpKind.AUTO : kind;
        }
    }

    /** Which HTTP transport to speak. */
    enum HttpKind { AUTO, STREAMABLE, SSE }
}
