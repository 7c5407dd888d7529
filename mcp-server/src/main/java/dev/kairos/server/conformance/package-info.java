/**
 * The fixture tools, resources and prompts the official MCP conformance suite calls; served only when asked for.
 *
 * <pre>{@code
 * kairos serve --conformance-fixtures   # then point the conformance suite at http://127.0.0.1:8765/mcp
 * }</pre>
 */
package dev.kairos.server.conformance;
