package io.github.compresskv.cli;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Fuzz target of the command line's flags: every subcommand, option name and a few typical values are offered to
 * the fuzzer, which also makes up its own strings. Parsing, type conversion and the usage-error handler run; the
 * commands themselves do not (a parsed command would load models). The outcome must be exit code 0 or the
 * usage-error code with a message, never an exception.
 */
class CliFlagsFuzzTest {

    private static final List<String> WORDS = words();
    private static final StringWriter ERR = new StringWriter();
    /** One command tree for all inputs (building it costs more than parsing): picocli resets options per parse. */
    private static final CommandLine PARSER = parser();

    private static CommandLine parser() {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(java.io.Writer.nullWriter())); // help texts are not kept
        cl.setErr(new PrintWriter(ERR, true));
        cl.setExecutionStrategy(parsed -> 0);
        return cl;
    }

    @FuzzTest
    @Timeout(10)
    void flags(FuzzedDataProvider data) {
        List<String> args = new ArrayList<>();
        int n = data.consumeInt(0, 12);
        for (int i = 0; i < n; i++) {
            args.add(data.consumeBoolean() ? WORDS.get(data.consumeInt(0, WORDS.size() - 1)) : data.consumeString(24));
        }
        CommandLine cl = PARSER;
        StringWriter err = ERR;
        err.getBuffer().setLength(0);
        int code = cl.execute(args.toArray(String[]::new));
        if (code != 0 && code != cl.getCommandSpec().exitCodeOnInvalidInput()) {
            throw new AssertionError("exit code " + code + " for " + args + ": " + err);
        }
        if (code != 0 && err.toString().isBlank()) throw new AssertionError("usage error without a message for " + args);
    }

    /** Subcommand names, option names and sample values of the whole command tree. */
    private static List<String> words() {
        TreeSet<String> w = new TreeSet<>();
        collect(Main.commandLine(), w);
        w.addAll(List.of("0", "1", "-1", "0.5", "1e309", "NaN", "99999999999", "", "=", "a,b", "1:2", "2k", "10m",
                "models/compresskv-tiny.gguf", "/nonexistent", "compresskv", "snapkv", "token", "sentence"));
        return List.copyOf(w);
    }

    private static void collect(CommandLine cl, TreeSet<String> out) {
        out.add(cl.getCommandName());
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) out.addAll(List.of(o.names()));
        for (CommandLine sub : cl.getSubcommands().values()) collect(sub, out);
    }
}
