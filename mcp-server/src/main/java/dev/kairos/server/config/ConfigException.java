package dev.kairos.server.config;

/** A configuration problem, with a message that names the file and the key. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
