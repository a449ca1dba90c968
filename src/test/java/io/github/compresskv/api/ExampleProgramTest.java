package io.github.compresskv.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java program, copied as it stands into a new file, compiles against a jar of the built classes and,
 * run in a JVM of its own with the Vector API module, prints the needle's answer from a compressed cache; without
 * the module it stops with a message naming the flag. The program in {@code examples/} is the same text.
 */
class ExampleProgramTest {
    static final String CLASS = "LongDocumentQuestion";

    /** The first {@code ```java} block after the README's "## Java API" heading. */
    static String readmeProgram() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int section = readme.indexOf("\n## Java API\n");
        assertTrue(section >= 0, "README has a Java API section");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        int end = readme.indexOf("```", start);
        return readme.substring(start, end);
    }

    @Test
    void theReadmeProgramIsTheExampleFile() throws IOException {
        assertEquals(Files.readString(Path.of("examples/" + CLASS + ".java")), readmeProgram());
    }

    @Test
    void theReadmeProgramCompilesAgainstTheJarAndAnswersFromACompressedCache(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("compresskv.jar");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        int rc = java.util.spi.ToolProvider.findFirst("jar").orElseThrow().run(out, out, "--create", "--file", jar.toString(), "-C", "target/classes", ".");
        assertEquals(0, rc, "jar: " + log);

        Path source = dir.resolve("src").resolve(CLASS + ".java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, readmeProgram());
        String classpath = jar + File.pathSeparator + dependencyJars();
        Path classes = Files.createDirectories(dir.resolve("classes"));
        rc = ToolProvider.getSystemJavaCompiler().run(null, out, out, "-cp", classpath, "-d", classes.toString(), source.toString());
        assertEquals(0, rc, "javac: " + log);

        String runClasspath = classes + File.pathSeparator + classpath;
        String output = run(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"), runClasspath, 0);
        assertTrue(output.contains("Answer: paint a quiet lantern near the river."), output);
        assertTrue(output.matches("(?s).*\\d+ prompt tokens, KV cache \\d+ -> \\d+ bytes \\([0-9.]+ %\\).*"), output);
        double percent = Double.parseDouble(output.replaceAll("(?s).*\\(([0-9.]+) %\\).*", "$1"));
        assertTrue(percent < 10, "compressed to " + percent + " %");

        String refused = run(List.of(), runClasspath, 1);
        assertTrue(refused.contains("--add-modules jdk.incubator.vector"), refused);
        assertFalse(refused.contains("NoClassDefFoundError"), refused);
    }

    /** The library's runtime dependencies: the jars on this test's class path (JUnit's and jqwik's add nothing the program sees). */
    static String dependencyJars() {
        List<String> jars = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) if (e.endsWith(".jar")) jars.add(e);
        return String.join(File.pathSeparator, jars);
    }

    /** Runs the program in a new JVM from the checkout's root; returns stdout and stderr after checking the exit code. */
    static String run(List<String> jvmFlags, String classpath, int expectedExit) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-Xmx2g", "-cp", classpath, CLASS));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the program finished");
        String output = new String(bytes, StandardCharsets.UTF_8);
        assertEquals(expectedExit, p.exitValue(), output);
        return output;
    }
}
