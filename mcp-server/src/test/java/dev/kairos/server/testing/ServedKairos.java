package dev.kairos.server.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A real {@code kairos serve} process shared by the tests of a class, as a JUnit extension:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ServedKairos kairos = ServedKairos.serve("--conformance-fixtures").withEnv(KairosProcess.NO_MEMORY);
 *
 * @Test
 * void listsTools() { ... kairos.baseUrl() + "/mcp" ... }
 * }</pre>
 *
 * <p>The process starts on first use (so a class's {@code @BeforeAll} can skip the tests, or prepare what the
 * arguments name, before anything starts) and stops after the last test of the class.
 */
public final class ServedKairos implements AfterAllCallback {
    private final Callable<List<String>> args;
    private final Map<String, String> env = new LinkedHashMap<>();
    private KairosProcess process;

    private ServedKairos(Callable<List<String>> args) {
        this.args = args;
    }

    /** {@code kairos serve --port 0} with these extra arguments. */
    public static ServedKairos serve(String... extraArgs) {
        List<String> fixed = List.of(extraArgs);
        return new ServedKairos(() -> fixed);
    }

    /** Arguments known only once the class has set up (a config file naming a database it started, say). */
    public static ServedKairos serve(Callable<List<String>> extraArgs) {
        return new ServedKairos(extraArgs);
    }

    /** Extra environment variables of the process, e.g. {@link KairosProcess#NO_MEMORY}. */
    public ServedKairos withEnv(Map<String, String> variables) {
        env.putAll(variables);
        return this;
    }

    /** The running process, started (and waited for, bounded) on the first call. */
    public synchronized KairosProcess process() {
        if (process == null) {
            try {
                process = KairosProcess.serve(env, args.call().toArray(String[]::new));
            } catch (Exception e) {
                throw new IllegalStateException("kairos serve did not start: " + e.getMessage(), e);
            }
        }
        return process;
    }

    /** For example {@code http://127.0.0.1:41234}. */
    public String baseUrl() {
        return process().baseUrl();
    }

    /** Stops the process now, before what it depends on goes (the class's {@code @AfterAll} runs first otherwise). */
    public synchronized void stop() {
        if (process != null) {
            process.close();
            process = null;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }
}
