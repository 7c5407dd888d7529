package dev.kairos.inference;

import dev.kairos.inference.EngineInfo.Capability;
import dev.kairos.inference.InferenceSettings.Engine;
import dev.kairos.inference.sim.EngineSimulator;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The capability probe recognises each engine from its own endpoints, and caches ready answers. */
class EngineProbeTest {

    private static EngineProbe probe() {
        return new EngineProbe(Duration.ofMinutes(5), Duration.ofSeconds(5));
    }

    @Test
    void llamaCpp() {
        try (EngineSimulator sim = EngineSimulator.start("sim/llamacpp.json")) {
            EngineInfo i = probe().probe(sim.url());
            assertEquals(Engine.LLAMA_CPP, i.engine());
            assertTrue(i.ready());
            assertEquals(8192, i.contextSize());
            assertEquals(4, i.slots());
            assertTrue(i.capabilities().containsAll(List.of(Capability.TOOLS, Capability.PARALLEL_TOOL_CALLS)));
            assertEquals(List.of("qwen2.5-7b-instruct-q4_k_m.gguf"), i.models());
        }
    }

    @Test
    void llamaCppStillLoadingIsNotReadyAndNotCached() {
        try (EngineSimulator sim = EngineSimulator.start("sim/llamacpp.json", "sim/llamacpp-loading.json")) {
            EngineProbe probe = probe();
            EngineInfo loading = probe.probe(sim.url());
            assertEquals(Engine.LLAMA_CPP, loading.engine());
            assertFalse(loading.ready());
            assertTrue(String.join(" ", loading.notes()).contains("loading"));
            probe.probe(sim.url()); // second 503
            EngineInfo ready = probe.probe(sim.url());
            assertTrue(ready.ready(), "the third /health answers 200");
        }
    }

    @Test
    void vllmSglangAndOllama() {
        try (EngineSimulator vllm = EngineSimulator.start("sim/vllm.json");
             EngineSimulator sglang = EngineSimulator.start("sim/sglang.json");
             EngineSimulator ollama = EngineSimulator.start("sim/ollama.json")) {
            EngineProbe probe = probe();
            EngineInfo v = probe.probe(URI.create(vllm.url() + "/v1"));
            assertEquals(Engine.VLLM, v.engine());
            assertEquals("0.13.0", v.version());
            assertEquals(32768, v.contextSize());

            EngineInfo s = probe.probe(sglang.url());
            assertEquals(Engine.SGLANG, s.engine());
            assertEquals(64, s.slots());
            assertTrue(s.capabilities().contains(Capability.TOOLS));

            EngineInfo o = probe.probe(ollama.url());
            assertEquals(Engine.OLLAMA, o.engine());
            assertEquals(40960, o.contextSize());
            assertTrue(o.capabilities().containsAll(List.of(Capability.TOOLS, Capability.THINKING)));
            assertEquals(List.of("qwen3:8b"), o.models());
        }
    }

    @Test
    void answersAreCachedAndUnreachableIsSaid() {
        try (EngineSimulator sim = EngineSimulator.start("sim/vllm.json")) {
            EngineProbe probe = probe();
            probe.probe(sim.url());
            int requests = sim.received().size();
            probe.probe(sim.url());
            assertEquals(requests, sim.received().size(), "the second probe is served from the cache");
            probe.forget(sim.url());
            probe.probe(sim.url());
            assertTrue(sim.received().size() > requests);
        }
        EngineInfo none = probe().probe(URI.create("http://127.0.0.1:1"));
        assertFalse(none.reachable());
        assertTrue(none.describe().getFirst().contains("UNREACHABLE"));
    }
}
