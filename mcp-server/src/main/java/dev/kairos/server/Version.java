package dev.kairos.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, read from the jar's filtered {@code kairos-version.properties}. */
public final class Version {
    private Version() {
    }

    public static String current() {
        try (InputStream in = Version.class.getResourceAsStream("/kairos-version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
