/**
 * MCP on the wire: the stdio host, the Jetty 12 HTTP host (Streamable HTTP and legacy SSE, with auth, Host/Origin
 * checks and limits), and the callers' identity; both hosts serve the same {@link dev.kairos.transports.McpFeatures}.
 *
 * <pre>{@code
 * McpFeatures features = ...; // the tools, resources and prompts, built by the application
 * try (HttpHost http = new HttpHost(HttpSettings.defaults(), features, liveServers, "default", () -> "{}").start()) {
 *     System.err.println("listening on " + http.baseUrl() + "/mcp");
 * }
 * }</pre>
 *
 * <p>This package is the module's whole API; {@code dev.kairos.transports.internal} is not for other modules (the
 * module rules in docs/development.md are checked by a test).
 */
package dev.kairos.transports;
