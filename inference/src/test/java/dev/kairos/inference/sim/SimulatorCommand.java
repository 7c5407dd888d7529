package dev.kairos.inference.sim;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that runs the {@link EngineSimulator} as its own JVM (from this classpath), for code under test
 * that starts and stops an engine process itself (an engine supervisor, a {@code supervise:} block):
 *
 * <pre>{@code
 * SimulatorCommand sim = SimulatorCommand.onFreePort("sim/llamacpp.json");
 * new EngineSupervisor(new EngineSupervisor.Spec(sim.command(), ...sim.url() + "/health"...));
 * }</pre>
 *
 * @param port    the loopback port the simulator will listen on
 * @param command {@code java -cp … EngineSimulator --port PORT script…}
 */
public record SimulatorCommand(int port, List<String> command) {

    /** Playing these scripts (resources or files) on a port that is free now. */
    public static SimulatorCommand onFreePort(String... scripts) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return new SimulatorCommand(port, command(List.of(), port, scripts));
    }

    /** The command with JVM options (a heap bound, say); port 0 lets the simulator pick one and print it. */
    public static List<String> command(List<String> jvmOptions, int port, String... scripts) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EngineSimulator.class.getName(),
                "--port", Integer.toString(port)));
        cmd.addAll(List.of(scripts));
        return List.copyOf(cmd);
    }

    /** For example {@code http://127.0.0.1:41234}. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }
}
