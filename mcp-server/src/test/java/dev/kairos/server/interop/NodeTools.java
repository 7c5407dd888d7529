package dev.kairos.server.interop;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The Node 22 runtime and the npm packages of {@code interop/} that {@code ./kairos test} installs.
 *
 * <p>Under {@code ./kairos test} (and so in CI) they are required and a missing one fails the test;
 * a plain {@code mvn test} without them skips the interop tests instead.
 */
public final class NodeTools {
    private NodeTools() {
    }

    /** The node binary, or a skipped/failed test when it is not installed. */
    public static Path node() {
        String node = System.getProperty("kairos.node", "");
        Path path = node.isBlank() ? null : Path.of(node);
        require(path != null && Files.isExecutable(path), "Node 22 (kairos.node=" + node + ")");
        return path;
    }

    /** The interop folder holding node_modules. */
    public static Path interopDir() {
        Path dir = Path.of(System.getProperty("kairos.interop.dir", "../interop")).toAbsolutePath().normalize();
        require(Files.isDirectory(dir.resolve("node_modules")), "npm packages in " + dir);
        return dir;
    }

    /** Which release of the official conformance suite to run. */
    public enum Conformance {
        /** 0.1.16: the session revisions (2025-11-25 and older). */
        SESSIONS("@modelcontextprotocol/conformance"),
        /** 0.2.0-alpha.12, installed under the alias conformance-2026: the stateless 2026-07-28 revision. */
        REVISION_2026("conformance-2026");

        final String packageDir;

        Conformance(String packageDir) {
            this.packageDir = packageDir;
        }
    }

    /**
     * A command line that runs one release of the conformance suite. Both releases install a
     * {@code conformance} bin, so its link in {@code .bin} may be either: name the package instead.
     */
    public static List<String> conformance(Conformance release, String... args) {
        Path script = interopDir().resolve("node_modules").resolve(release.packageDir).resolve("dist/index.js");
        require(Files.exists(script), "npm package " + release.packageDir);
        var cmd = new java.util.ArrayList<String>();
        cmd.add(node().toString());
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A command line that runs an installed npm package's bin script with Node 22. */
    public static List<String> npmBin(String bin, String... args) {
        Path script = interopDir().resolve("node_modules/.bin").resolve(bin);
        require(Files.exists(script), "npm bin " + bin);
        var cmd = new java.util.ArrayList<String>();
        cmd.add(node().toString());
        cmd.add(realPath(script).toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (java.io.IOException e) {
            return p;
        }
    }

    /** HAProxy, which {@code ./kairos test} installs for the scale-out test. */
    public static Path haproxy() {
        String haproxy = System.getProperty("kairos.haproxy", "");
        Path path = haproxy.isBlank() ? null : Path.of(haproxy);
        require(path != null && Files.isExecutable(path), "HAProxy (kairos.haproxy=" + haproxy + ")");
        return path;
    }

    private static void require(boolean present, String what) {
        if (Boolean.getBoolean("kairos.interop.required")) {
            if (!present) {
                throw new AssertionError(what + " is missing; ./kairos test installs it");
            }
        } else {
            Assumptions.assumeTrue(present, what + " not installed; run ./kairos test");
        }
    }
}
