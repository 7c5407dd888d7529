package dev.kairos.server;

import dev.kairos.server.cli.KairosCommand;

/** Entry point of the {@code kairos} jar. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(KairosCommand.run(args));
    }
}
