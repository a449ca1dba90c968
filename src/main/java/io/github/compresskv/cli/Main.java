package io.github.compresskv.cli;

import io.github.compresskv.tensor.VectorModule;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code compresskv} command line. */
@Command(name = "compresskv",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Pure-Java inference for grouped-query-attention LLMs with a compressed KV cache.",
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Builds the command tree; tests call this to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        for (Object sub : Commands.all()) cl.addSubcommand(sub);
        cl.setExecutionExceptionHandler(new UserErrorHandler());
        cl.setParameterExceptionHandler(new UsageErrorHandler());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // An argument starting with @ stays literal (a prompt may start with one): picocli's argument files would
        // replace it by a file's contents, and stop with a stack trace when the path cannot be read.
        cl.setExpandAtFiles(false);
        return cl;
    }

    public static void main(String[] args) {
        try {
            VectorModule.require();
        } catch (IllegalStateException e) {
            System.err.println("compresskv: " + e.getMessage());
            System.exit(1);
        }
        int code = commandLine().execute(args);
        System.out.flush();
        System.exit(code);
    }
}
