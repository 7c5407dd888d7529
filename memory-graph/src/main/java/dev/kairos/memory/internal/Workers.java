package dev.kairos.memory.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.util.UUID;

/** Names of queue workers, {@code host/pid/instance}, and whether the process behind one is gone. */
public final class Workers {
    /** This machine's name as worker names spell it. */
    public static final String HOST = host();

    private Workers() {
    }

    /** A new worker name for this process. */
    public static String newId() {
        return HOST + "/" + ProcessHandle.current().pid() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Whether {@code worker} names a process on this machine that no longer runs (other machines: unknown, false). */
    public static boolean gone(String worker) {
        String[] parts = worker.split("/");
        if (parts.length < 2 || !parts[0].equals(HOST)) return false;
        try {
            long pid = Long.parseLong(parts[1]);
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName().replace('/', '_');
        } catch (IOException e) {
            return "localhost";
        }
    }
}
