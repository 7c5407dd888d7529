package dev.kairos.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kairos.memory.Entity;
import dev.kairos.memory.Episode;
import dev.kairos.memory.Fact;
import dev.kairos.memory.Hit;
import dev.kairos.memory.MemoryException;
import dev.kairos.memory.MemoryGraph;
import dev.kairos.memory.MemoryInput;
import dev.kairos.memory.MemoryInputException;
import dev.kairos.memory.MemoryNotFoundException;
import dev.kairos.memory.MemorySettings;
import dev.kairos.memory.MemoryStats;
import dev.kairos.memory.MemoryStatus;
import dev.kairos.memory.NewEpisode;
import dev.kairos.memory.SearchQuery;
import dev.kairos.memory.SearchResults;
import dev.kairos.server.config.ConfigException;
import dev.kairos.server.config.ConfigLoader;
import dev.kairos.server.config.KairosConfig;
import dev.kairos.server.config.MemoryConfig;
import dev.kairos.server.memory.MemoryArchive;
import dev.kairos.server.memory.Shapes;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kairos memory add | search | timeline | stats | import | export | retry}: the memory graph from the terminal. */
@Command(name = "memory",
        mixinStandardHelpOptions = true,
        description = "Work with the temporal memory graph from the terminal.",
        subcommands = {
                MemoryCommand.Add.class,
                MemoryCommand.Search.class,
                MemoryCommand.Timeline.class,
                MemoryCommand.Stats.class,
                MemoryCommand.Import.class,
                MemoryCommand.Export.class,
                MemoryRetryCommand.class,
        })
public final class MemoryCommand {

    /** Where the memory lives: the config file's {@code memory:} section (as {@code kairos mcp}), then these overrides. */
    static final class Store {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Config file (YAML or JSON). Default: $KAIROS_CONFIG, ./kairos.yaml, ~/.kairos/kairos.yaml.")
        Path config;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Embedded Neo4j data directory. Default: ~/.kairos/data.")
        Path dataDir;

        @Option(names = "--uri", paramLabel = "URI", description = "External Neo4j (bolt://, neo4j://, neo4j+s://) instead of the embedded one.")
        URI uri;

        @Option(names = "--user", description = "External Neo4j user.")
        String user;

        @Option(names = "--password", description = "External Neo4j password. Default: $KAIROS_NEO4J_PASSWORD.",
                defaultValue = "${env:KAIROS_NEO4J_PASSWORD}")
        String password;

        @Option(names = "--database", description = "Neo4j database. Default: neo4j.")
        String database;

        @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
                description = "How long to wait for the database to start. Default: ${DEFAULT-VALUE}.")
        int waitSeconds;

        MemoryGraph open(CommandSpec spec) {
            MemorySettings settings;
            java.util.Optional<dev.kairos.memory.Embedder> engineEmbedder;
            try {
                KairosConfig loaded = ConfigLoader.load(config);
                if (!MemoryConfig.enabled(loaded)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            loaded.source() + ": memory.mode is off; no memory to work with");
                }
                settings = MemoryConfig.settings(loaded);
                engineEmbedder = dev.kairos.server.config.EmbeddingsConfig.embedder(loaded);
            } catch (ConfigException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            if (dataDir != null) {
                settings = settings.withDataDir(dataDir);
            }
            if (uri != null) {
                settings = settings.withExternal(uri, user, password, database);
            } else if (database != null) {
                settings = settings.withDatabase(database);
            }
            settings = settings.withReadyTimeout(Duration.ofSeconds(Math.max(1, waitSeconds)));
            MemorySettings chosen = settings;
            MemoryGraph graph = engineEmbedder.map(e -> MemoryGraph.open(chosen, e)).orElseGet(() -> MemoryGraph.open(chosen));
            MemoryStatus status = graph.awaitReady(Duration.ofSeconds(Math.max(1, waitSeconds)));
            if (!status.isReady()) {
                graph.close();
                throw new CommandLine.ExecutionException(spec.commandLine(), "memory is not ready: " + status.describe());
            }
            return graph;
        }
    }

    /** The body of a subcommand, run with an open graph; bad input is reported as a usage error naming the option. */
    abstract static class GraphCommand implements Callable<Integer> {
        @Mixin
        Store store;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        final ObjectMapper mapper = new ObjectMapper();

        /** A graph opened by someone else (the caller keeps it open); null: open the one the options name. */
        MemoryGraph provided;

        abstract int run(MemoryGraph graph, PrintWriter out) throws IOException;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            MemoryGraph graph = provided != null ? provided : store.open(spec);
            try {
                int rc = run(graph, out);
                out.flush();
                return rc;
            } catch (MemoryInputException | MemoryNotFoundException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
            } catch (MemoryException e) {
                throw new CommandLine.ExecutionException(spec.commandLine(), e.getMessage(), e);
            } finally {
                if (provided == null) {
                    graph.close();
                }
            }
        }

        void printJson(PrintWriter out, Object value) {
            try {
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        static String group(String option, String value) {
            return value == null ? null : MemoryInput.groupId(option, value);
        }

        static List<String> groups(List<String> values, MemoryGraph graph) {
            if (values == null || values.isEmpty()) {
                return List.of(graph.settings().defaultGroup());
            }
            return values.stream().map(g -> MemoryInput.groupId("--group", g)).toList();
        }
    }

    @Command(name = "add", description = "Remember something: store an episode (committed before this returns).")
    static final class Add extends GraphCommand {
        @Parameters(arity = "1..*", paramLabel = "TEXT", description = "What to remember.")
        List<String> words;

        @Option(names = "--name", description = "A short title. Default: the first words.")
        String name;

        @Option(names = "--source", defaultValue = "text", description = "text, json or message. Default: ${DEFAULT-VALUE}.")
        String source;

        @Option(names = "--reference-time", paramLabel = "TIME", description = "When it happened (ISO-8601). Default: now.")
        String referenceTime;

        @Option(names = {"-g", "--group"}, description = "Group. Default: the default group.")
        String group;

        @Override
        int run(MemoryGraph graph, PrintWriter out) {
            String content = String.join(" ", words);
            Episode e = graph.addEpisode(new NewEpisode(group("--group", group), name != null ? name : title(content),
                    content, Episode.Source.parse("--source", source), "kairos memory add",
                    MemoryInput.instant("--reference-time", referenceTime), null));
            if (json) {
                printJson(out, Map.of("uuid", e.uuid(), "group_id", e.groupId(), "valid_at", e.validAt().toString()));
            } else {
                out.println("stored episode " + e.uuid() + " in group " + e.groupId() + " (pending extraction)");
            }
            return 0;
        }
    }

    @Command(name = "search", description = "Find facts, entities and episodes by meaning and by exact words.")
    static final class Search extends GraphCommand {
        @Parameters(arity = "1..*", paramLabel = "QUERY")
        List<String> words;

        @Option(names = "--scope", split = ",", description = "facts, entities, episodes (comma-separated). Default: all.")
        List<String> scopes;

        @Option(names = {"-n", "--limit"}, defaultValue = "10", description = "Results per scope, 1-100. Default: ${DEFAULT-VALUE}.")
        int limit;

        @Option(names = "--as-of", paramLabel = "TIME", description = "Facts true in the world at TIME.")
        String asOf;

        @Option(names = "--belief-as-of", paramLabel = "TIME", description = "What memory believed at TIME.")
        String beliefAsOf;

        @Option(names = "--include-invalidated", description = "Also facts that are no longer true.")
        boolean includeInvalidated;

        @Option(names = {"-g", "--group"}, description = "Group(s) to search. Default: the default group.")
        List<String> groups;

        @Override
        int run(MemoryGraph graph, PrintWriter out) {
            if (limit < 1 || limit > 100) {
                throw new MemoryInputException("--limit", "must be between 1 and 100, was " + limit);
            }
            var query = new SearchQuery(String.join(" ", words), groups(groups, graph), scopes(), limit, null, null,
                    MemoryInput.instant("--as-of", asOf), MemoryInput.instant("--belief-as-of", beliefAsOf),
                    includeInvalidated, null, null, null, 0);
            SearchResults r = graph.search(query);
            if (json) {
                var m = new LinkedHashMap<String, Object>();
                Instant now = Instant.now();
                m.put("facts", r.facts().stream().map(h -> Shapes.scored(Shapes.fact(h.value(), now), h.score())).toList());
                m.put("entities", r.entities().stream().map(h -> Shapes.scored(Shapes.entity(h.value()), h.score())).toList());
                m.put("episodes", r.episodes().stream().map(h -> Shapes.scored(Shapes.episode(h.value()), h.score())).toList());
                printJson(out, m);
                return 0;
            }
            for (Hit<Fact> h : r.facts()) {
                out.printf(Locale.ROOT, "fact     %.4f  %s  [%s]  %s%n", h.score(), h.value().fact(), span(h.value()), h.value().uuid());
            }
            for (Hit<Entity> h : r.entities()) {
                out.printf(Locale.ROOT, "entity   %.4f  %s%s  %s%n", h.score(), h.value().name(),
                        h.value().labels().isEmpty() ? "" : " (" + String.join(", ", h.value().labels()) + ")", h.value().uuid());
            }
            for (Hit<Episode> h : r.episodes()) {
                out.printf(Locale.ROOT, "episode  %.4f  %s  %s%n", h.score(), title(h.value().content()), h.value().uuid());
            }
            if (r.facts().isEmpty() && r.entities().isEmpty() && r.episodes().isEmpty()) {
                out.println("nothing found");
            }
            return 0;
        }

        private EnumSet<SearchQuery.Scope> scopes() {
            if (scopes == null || scopes.isEmpty()) {
                return EnumSet.allOf(SearchQuery.Scope.class);
            }
            var set = EnumSet.noneOf(SearchQuery.Scope.class);
            for (String s : scopes) {
                switch (s.trim().toLowerCase(Locale.ROOT)) {
                    case "facts", "fact" -> set.add(SearchQuery.Scope.FACTS);
                    case "entities", "entity" -> set.add(SearchQuery.Scope.ENTITIES);
                    case "episodes", "episode" -> set.add(SearchQuery.Scope.EPISODES);
                    default -> throw new MemoryInputException("--scope", "must be facts, entities or episodes, was '" + s + "'");
                }
            }
            return set;
        }
    }

    @Command(name = "timeline", description = "An entity's facts in world-time order, invalidated ones included.")
    static final class Timeline extends GraphCommand {
        @Parameters(paramLabel = "ENTITY", description = "The entity's name (or its uuid with --uuid).")
        String entity;

        @Option(names = "--uuid", description = "ENTITY is a uuid.")
        boolean byUuid;

        @Option(names = {"-g", "--group"}, description = "Group of the named entity. Default: the default group.")
        String group;

        @Override
        int run(MemoryGraph graph, PrintWriter out) {
            Entity e = byUuid
                    ? graph.entity(MemoryInput.uuid("ENTITY", entity)).orElseThrow(() -> new MemoryNotFoundException("ENTITY", "entity", entity))
                    : graph.entityNamed(group != null ? group("--group", group) : graph.settings().defaultGroup(), entity)
                    .orElseThrow(() -> new MemoryNotFoundException("ENTITY name", "entity", entity));
            List<Fact> facts = graph.timeline(e.uuid());
            if (json) {
                var m = new LinkedHashMap<String, Object>();
                Instant at = Instant.now();
                m.put("entity", Shapes.entity(e));
                m.put("facts", facts.stream().map(f -> Shapes.fact(f, at)).toList());
                printJson(out, m);
                return 0;
            }
            out.println(e.name() + " (" + e.uuid() + ", group " + e.groupId() + ")");
            Instant now = Instant.now();
            for (Fact f : facts) {
                out.println("  " + span(f) + "  " + f.fact() + (f.validAt(now) ? "" : "  (no longer true)"));
            }
            if (facts.isEmpty()) {
                out.println("  no facts");
            }
            return 0;
        }
    }

    @Command(name = "stats", description = "Counts of episodes, entities and facts, and the database status.")
    static final class Stats extends GraphCommand {
        @Option(names = {"-g", "--group"}, description = "Group(s). Default: the default group.")
        List<String> groups;

        @Override
        int run(MemoryGraph graph, PrintWriter out) {
            List<String> g = groups(groups, graph);
            MemoryStats s = graph.stats(g);
            if (json) {
                var m = new LinkedHashMap<String, Object>();
                m.put("groups", g);
                m.put("status", graph.status().describe());
                m.put("episodes", s.episodes());
                m.put("pending_episodes", s.pendingEpisodes());
                m.put("entities", s.entities());
                m.put("facts", s.facts());
                m.put("current_facts", s.currentFacts());
                m.put("extraction", MemoryRetryCommand.queueJson(graph, g, store.config));
                printJson(out, m);
                return 0;
            }
            out.println("memory " + graph.status().describe());
            out.println("groups            " + String.join(", ", g));
            out.println("episodes          " + s.episodes() + " (" + s.pendingEpisodes() + " pending extraction)");
            out.println("entities          " + s.entities());
            out.println("facts             " + s.facts() + " (" + s.currentFacts() + " true now)");
            MemoryRetryCommand.printQueue(graph, g, store.config, out);
            return 0;
        }
    }

    @Command(name = "import", description = "Import server-memory's JSONL file (a migration path) or a Kairos export.")
    static final class Import extends GraphCommand {
        /** Below this many lines a progress bar is only noise. */
        static final long PROGRESS_FROM_LINES = 1_000;

        @Parameters(paramLabel = "FILE", description = "The JSONL file, or - for standard input.")
        String file;

        @Option(names = {"-g", "--group"}, description = "Import into this group. Default: as recorded (Kairos export) or the default group.")
        String group;

        @Option(names = "--progress", negatable = true,
                description = "Show a progress bar on stderr. Default: for files of " + PROGRESS_FROM_LINES + " lines or more, and for standard input.")
        Boolean progress;

        @Override
        int run(MemoryGraph graph, PrintWriter out) throws IOException {
            MemoryArchive.Report report;
            boolean stdin = file.equals("-");
            long total = stdin ? -1 : lineCount(Path.of(file));
            try (BufferedReader in = stdin
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                boolean show = progress != null ? progress : total < 0 || total >= PROGRESS_FROM_LINES;
                if (show) {
                    try (ProgressBar bar = new ProgressBarBuilder().setTaskName("import").setInitialMax(total)
                            .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUnit(" lines", 1).build()) {
                        report = new MemoryArchive(graph).importFrom(in, group("--group", group), bar::stepTo);
                    }
                } else {
                    report = new MemoryArchive(graph).importFrom(in, group("--group", group), MemoryArchive.Progress.NONE);
                }
            }
            if (json) {
                printJson(out, report);
            } else {
                out.println("imported " + report.episodes() + " episodes, " + report.entities() + " entities, "
                        + report.facts() + " facts; skipped " + report.skipped() + " already present");
            }
            return 0;
        }

        private static long lineCount(Path p) throws IOException {
            if (!Files.isRegularFile(p)) {
                throw new MemoryInputException("FILE", "no such file: " + p);
            }
            try (var lines = Files.lines(p, StandardCharsets.UTF_8)) {
                return lines.count();
            }
        }
    }

    @Command(name = "export", description = "Export groups as JSONL: Kairos's full format, or server-memory's file.")
    static final class Export extends GraphCommand {
        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Where to write. Default: standard output.")
        Path file;

        @Option(names = "--format", defaultValue = "kairos", description = "kairos or server-memory. Default: ${DEFAULT-VALUE}.")
        String format;

        @Option(names = {"-g", "--group"}, description = "Group(s) to export. Default: the default group.")
        List<String> groups;

        @Override
        int run(MemoryGraph graph, PrintWriter out) throws IOException {
            MemoryArchive.Format f = switch (format.trim().toLowerCase(Locale.ROOT)) {
                case "kairos" -> MemoryArchive.Format.KAIROS;
                case "server-memory", "server_memory" -> MemoryArchive.Format.SERVER_MEMORY;
                default -> throw new MemoryInputException("--format", "must be kairos or server-memory, was '" + format + "'");
            };
            List<String> g = groups(groups, graph);
            if (file == null) {
                new MemoryArchive(graph).export(out, g, f);
                out.println();
                return 0;
            }
            long lines;
            try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8))) {
                lines = new MemoryArchive(graph).export(w, g, f);
            }
            spec.commandLine().getErr().println("wrote " + lines + " lines to " + file);
            return 0;
        }
    }

    // ---- plain shapes for --json and text lines ----

    static String title(String content) {
        String oneLine = content.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 60 ? oneLine : oneLine.substring(0, 57) + "...";
    }

    static String span(Fact f) {
        return (f.validAt() == null ? "?" : f.validAt().toString()) + " -> " + (f.invalidAt() == null ? "now" : f.invalidAt().toString());
    }

}
