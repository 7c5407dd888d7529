package dev.kairos.server.cli;

import dev.kairos.server.Version;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

import java.util.concurrent.Callable;

/** {@code kairos version}: prints the version of Kairos and of the Java runtime. */
@Command(name = "version", description = "Print the Kairos version.")
public final class VersionCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        for (String line : new Provider().getVersion()) {
            System.out.println(line);
        }
        return 0;
    }

    /** Shared with {@code kairos --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"kairos " + Version.current(), "java " + Runtime.version()};
        }
    }
}
