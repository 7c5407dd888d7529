/**
 * The configuration file, loaded once into records and bound to each module's own settings; every error names the
 * {@code section.key} and the file.
 *
 * <pre>{@code
 * KairosConfig config = ConfigLoader.load(Path.of("kairos.yaml"));
 * }</pre>
 */
package dev.kairos.server.config;
