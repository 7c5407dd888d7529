/**
 * The application: {@link dev.kairos.server.Main} is the {@code kairos} command, {@link dev.kairos.server.Application}
 * the composition root that builds the object graph with plain constructors, and {@link dev.kairos.server.Registry}
 * where every MCP feature is registered once for all transports.
 *
 * <pre>{@code
 * kairos mcp                  # stdio, for IDE clients
 * kairos serve --port 8765    # Streamable HTTP at /mcp and legacy SSE
 * }</pre>
 *
 * <p>Nothing but the benchmarks depends on this module (checked by the module rules test, docs/development.md).
 */
package dev.kairos.server;
