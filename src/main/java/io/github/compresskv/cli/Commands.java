package io.github.compresskv.cli;

import java.util.List;

/** The subcommands of {@code compresskv}, in the order --help lists them. */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        return List.of(new GenerateCommand(), new ChatCommand(), new InfoCommand(), new TokenizeCommand(),
                new ConvertCommand(), new SynthCommand(), new BenchCommand(), new ProfileCommand(), new EvalCommand(), new DemoCommand(), new ServeCommand());
    }
}
