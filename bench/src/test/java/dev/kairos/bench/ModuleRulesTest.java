package dev.kairos.bench;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The module rules of docs/development.md ("Modules and rules"), checked on the compiled main classes of every
 * module. It lives in bench because bench depends on every other module, so all their classes are on its path.
 */
@AnalyzeClasses(packages = "dev.kairos", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {

    /** Maven module → its API package (every class of the module lives in it or below it). */
    private static final Map<String, String> API_PACKAGE = Map.of(
            "fsm", "dev.kairos.fsm",
            "inference", "dev.kairos.inference",
            "memory-graph", "dev.kairos.memory",
            "transports", "dev.kairos.transports",
            "agent", "dev.kairos.agent",
            "mcp-server", "dev.kairos.server",
            "bench", "dev.kairos.bench");

    /** A reactor build puts MODULE/target/classes on the path; a packaged one, kairos-MODULE-VERSION.jar. */
    private static final Pattern MODULE_DIR = Pattern.compile("/([a-z-]+)/target/classes/");
    private static final Pattern MODULE_JAR = Pattern.compile("/kairos-([a-z-]+?)-\\d[^/]*\\.jar");

    static Optional<String> moduleOf(JavaClass c) {
        return c.getSource().map(s -> s.getUri().toString()).flatMap(uri -> {
            Matcher dir = MODULE_DIR.matcher(uri);
            if (dir.find()) return Optional.of(dir.group(1));
            Matcher jar = MODULE_JAR.matcher(uri);
            return jar.find() ? Optional.of(jar.group(1)) : Optional.empty();
        });
    }

    @ArchTest
    static final ArchRule everyClassLivesInItsModulesPackage = classes().should(new ArchCondition<>("live in their module's API package or below it") {
        @Override
        public void check(JavaClass c, ConditionEvents events) {
            Optional<String> module = moduleOf(c);
            String api = module.map(API_PACKAGE::get).orElse(null);
            boolean ok = api != null && (c.getPackageName().equals(api) || c.getPackageName().startsWith(api + "."));
            if (!ok) events.add(SimpleConditionEvent.violated(c, c.getName() + " (module " + module.orElse("unknown")
                    + ") is outside " + (api == null ? "any known module package" : api)));
        }
    });

    /**
     * Libraries have one API package and internal packages; the application and the benchmarks may have more. The
     * memory graph's extraction is the one API subpackage ({@code dev.kairos.memory.ingest}, with its internals).
     */
    @ArchTest
    static final ArchRule librariesHaveOneApiPackageAndInternals = classes()
            .that().resideInAnyPackage("dev.kairos.fsm..", "dev.kairos.inference..", "dev.kairos.memory..",
                    "dev.kairos.transports..", "dev.kairos.agent..")
            .should().resideInAnyPackage("dev.kairos.fsm", "dev.kairos.fsm.internal..",
                    "dev.kairos.inference", "dev.kairos.inference.internal..",
                    "dev.kairos.memory", "dev.kairos.memory.internal..",
                    "dev.kairos.memory.ingest", "dev.kairos.memory.ingest.internal..",
                    "dev.kairos.transports", "dev.kairos.transports.internal..",
                    "dev.kairos.agent", "dev.kairos.agent.internal..");

    @ArchTest
    static final ArchRule internalsStayInsideTheirModule = classes().should(new ArchCondition<>("use only their own module's internal packages") {
        @Override
        public void check(JavaClass c, ConditionEvents events) {
            for (var d : c.getDirectDependenciesFromSelf()) {
                String target = d.getTargetClass().getPackageName();
                int at = target.indexOf(".internal");
                if (!target.startsWith("dev.kairos.") || at < 0) continue;
                String owner = target.substring(0, at);
                if (!c.getPackageName().equals(owner) && !c.getPackageName().startsWith(owner + "."))
                    events.add(SimpleConditionEvent.violated(c, d.getDescription()
                            + ": an internal package of another module; add what is needed to " + owner));
            }
        }
    });

    @ArchTest
    static final ArchRule fsmAndInferenceKnowNothingOfMcpOrNeo4j = noClasses()
            .that().resideInAnyPackage("dev.kairos.fsm..", "dev.kairos.inference..")
            .should().dependOnClassesThat().resideInAnyPackage("io.modelcontextprotocol..", "org.neo4j..");

    @ArchTest
    static final ArchRule nothingButBenchDependsOnTheServer = noClasses()
            .that().resideOutsideOfPackages("dev.kairos.server..", "dev.kairos.bench..")
            .should().dependOnClassesThat().resideInAPackage("dev.kairos.server..");

    /**
     * The base modules stand alone: only agent (and above) combines them. One exception: the memory graph asks engines
     * through the inference API (extraction's model calls, engine embeddings); never the other way round.
     */
    @ArchTest
    static final ArchRule baseModulesDependOnNoOtherKairosModule = classes()
            .that().resideInAnyPackage("dev.kairos.fsm..", "dev.kairos.inference..", "dev.kairos.memory..", "dev.kairos.transports..")
            .should(new ArchCondition<>("depend on no other Kairos module (memory-graph: the inference API only)") {
                @Override
                public void check(JavaClass c, ConditionEvents events) {
                    String own = c.getPackageName().split("\\.")[2];
                    for (var d : c.getDirectDependenciesFromSelf()) {
                        String[] target = d.getTargetClass().getPackageName().split("\\.");
                        boolean allowed = own.equals("memory") && d.getTargetClass().getPackageName().equals("dev.kairos.inference");
                        if (!allowed && target.length > 2 && target[0].equals("dev") && target[1].equals("kairos") && !target[2].equals(own))
                            events.add(SimpleConditionEvent.violated(c, d.getDescription()));
                    }
                }
            });
}
