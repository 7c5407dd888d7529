package dev.kairos.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The catalogue over a fixed list of providers: names are valid function names, unique, and stable
 * (providers in the order given, each provider's tools sorted by name, a server's name put in front
 * only where two servers offer the same name or the server asks for it). A provider's
 * {@code tools/list_changed} marks it stale; the next read rebuilds it, so a change applies from the
 * next model turn.
 */
public final class LiveCatalogue implements ToolCatalogue {
    private static final Logger LOG = LoggerFactory.getLogger(LiveCatalogue.class);
    private static final Pattern INVALID = Pattern.compile("[^a-zA-Z0-9_-]");
    private static final int MAX_NAME = 64;

    private final List<ToolProvider> providers;
    private final Map<String, McpServerSettings> settings;
    private final Duration defaultTimeout;
    private final AtomicBoolean stale = new AtomicBoolean(true);
    private volatile Snapshot snapshot;

    /** Tools and the provider each one belongs to, as of one rebuild. */
    private record Snapshot(List<CatalogueTool> tools, Map<String, CatalogueTool> byName) {
    }

    /**
     * @param providers      in the order their tools are listed
     * @param settings       per provider name; providers without an entry get the defaults
     * @param defaultTimeout a tool's timeout when neither its server nor its own entry sets one
     */
    public LiveCatalogue(List<ToolProvider> providers, Map<String, McpServerSettings> settings, Duration defaultTimeout) {
        this.providers = List.copyOf(providers);
        this.settings = Map.copyOf(settings);
        this.defaultTimeout = defaultTimeout;
        for (ToolProvider p : this.providers) {
            p.onToolsChanged(() -> stale.set(true));
        }
    }

    public LiveCatalogue(List<ToolProvider> providers) {
        this(providers, Map.of(), Duration.ofSeconds(60));
    }

    @Override
    public List<CatalogueTool> tools() {
        return current().tools();
    }

    @Override
    public Optional<CatalogueTool> find(String modelName) {
        return Optional.ofNullable(current().byName().get(modelName));
    }

    /** The providers, in catalogue order. */
    public List<ToolProvider> providers() {
        return providers;
    }

    /** The provider of this name. */
    public Optional<ToolProvider> provider(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The settings the catalogue applies to a provider. */
    public Optional<McpServerSettings> settings(String provider) {
        return Optional.ofNullable(settings.get(provider));
    }

    /** Rebuilds now, whether or not a provider reported a change. */
    public void refresh() {
        stale.set(true);
        current();
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        if (s == null || stale.get()) {
            synchronized (this) {
                if (snapshot == null || stale.getAndSet(false)) {
                    snapshot = build();
                }
                s = snapshot;
            }
        }
        return s;
    }

    private record Entry(ToolProvider provider, ToolDescriptor tool, String base) {
    }

    private Snapshot build() {
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> uses = new HashMap<>();
        for (ToolProvider p : providers) {
            McpServerSettings s = settings.get(p.name());
            if (s != null && !s.enabled()) {
                continue;
            }
            List<ToolDescriptor> listed;
            try {
                listed = p.tools();
            } catch (RuntimeException e) {
                LOG.warn("server {}: cannot list its tools: {}", p.name(), e.getMessage());
                continue;
            }
            listed.stream().filter(t -> s == null || s.offers(t.name()))
                    .sorted(Comparator.comparing(ToolDescriptor::name))
                    .forEach(t -> {
                        String base = sanitize(t.name());
                        entries.add(new Entry(p, t, base));
                        uses.merge(base, 1, Integer::sum);
                    });
        }
        List<CatalogueTool> tools = new ArrayList<>();
        Map<String, CatalogueTool> byName = new LinkedHashMap<>();
        for (Entry e : entries) {
            McpServerSettings s = settings.get(e.provider().name());
            boolean prefix = uses.get(e.base()) > 1 || (s != null && s.prefix());
            String name = prefix ? prefixed(e.provider().name(), e.base()) : e.base();
            for (int n = 2; byName.containsKey(name); n++) {
                name = fit(name, "_" + n);
            }
            String tool = e.tool().name();
            boolean retry = e.tool().hints().isSafeToRepeat() || (s != null && s.retry().contains(tool));
            CatalogueTool ct = new CatalogueTool(name, e.provider().name(), e.tool(),
                    s == null ? defaultTimeout : s.timeoutFor(tool, defaultTimeout),
                    s != null && s.confirm().contains(tool), retry);
            tools.add(ct);
            byName.put(name, ct);
        }
        return new Snapshot(List.copyOf(tools), byName);
    }

    /** A valid function name for any tool name: invalid characters become '_', long names are cut with a hash. */
    static String sanitize(String name) {
        String s = INVALID.matcher(name).replaceAll("_");
        s = s.isEmpty() ? "tool" : s;
        return s.length() <= MAX_NAME ? s : cut(s, name);
    }

    static String prefixed(String server, String tool) {
        String p = INVALID.matcher(server).replaceAll("_") + "__" + tool;
        return p.length() <= MAX_NAME ? p : cut(p, p);
    }

    private static String fit(String name, String suffix) {
        String cut = name.length() + suffix.length() <= MAX_NAME ? name : name.substring(0, MAX_NAME - suffix.length());
        return cut + suffix;
    }

    // a cut name keeps a hash of the whole one, so two long names that share a start stay apart
    private static String cut(String sanitized, String original) {
        CRC32 crc = new CRC32();
        crc.update(original.getBytes(StandardCharsets.UTF_8));
        return fit(sanitized, String.format("_%08x", crc.getValue()));
    }
}
