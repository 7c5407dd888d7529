package dev.kairos.bench.mcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and resident memory of a server process, read from {@code /proc/<pid>} (Linux).
 *
 * @param pid    the process id
 * @param clkTck kernel clock ticks per second ({@code getconf CLK_TCK}, 100 on x86-64 Linux)
 */
record ServerProcess(long pid, long clkTck) {
    /** user + system CPU of all the process's threads so far, in nanoseconds. */
    long cpuNanos() {
        String stat = read("stat");
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long utime = Long.parseLong(f[11]); // field 14 of proc(5)
        long stime = Long.parseLong(f[12]); // field 15
        return (utime + stime) * 1_000_000_000L / clkTck;
    }

    /** Resident set size in bytes (VmRSS), or -1 when the kernel does not report it. */
    long rssBytes() {
        for (String line : read("status").split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    boolean alive() {
        return Files.exists(Path.of("/proc", Long.toString(pid)));
    }

    private String read(String file) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/" + file + " (has the server exited?)", e);
        }
    }
}
