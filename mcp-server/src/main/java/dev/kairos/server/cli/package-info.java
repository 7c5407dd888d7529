/**
 * The {@code kairos} subcommands (picocli): {@code mcp}, {@code serve}, {@code chat}, {@code engines}, {@code fsm},
 * {@code memory} and {@code version}, each a thin layer over the application.
 *
 * <pre>{@code
 * kairos fsm validate examples/workflows/food-ordering.yaml
 * }</pre>
 */
package dev.kairos.server.cli;
