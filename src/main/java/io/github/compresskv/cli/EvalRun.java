package io.github.compresskv.cli;

import io.github.compresskv.eval.EvalItem;
import io.github.compresskv.eval.EvalRunner;
import io.github.compresskv.eval.EvalSettings;
import io.github.compresskv.eval.EvalSuite;
import io.github.compresskv.eval.RunConfig;
import io.github.compresskv.eval.RunFolder;
import io.github.compresskv.eval.RunMetrics;
import io.github.compresskv.eval.RunPlots;
import io.github.compresskv.eval.RunReport;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** One suite run into a run folder with a progress bar, then the reports, the plots and the table on stdout. */
final class EvalRun {
    private EvalRun() {}

    /** {@code runs/<name>-<UTC timestamp>}. */
    static Path defaultOut(String name) {
        return Path.of("runs", name + "-" + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    static RunMetrics run(LoadedModel lm, Path modelPath, EvalSuite suite, EvalSettings settings, Path out, String commandLine,
                          PrintStream stdout, PrintStream err) {
        return run(lm, modelPath, suite, java.util.Map.of(), settings, out, commandLine, stdout, err);
    }

    /** {@code inputs}: the suite's inputs for config.json when the suite does not report its options itself. */
    static RunMetrics run(LoadedModel lm, Path modelPath, EvalSuite suite, java.util.Map<String, Object> inputs, EvalSettings settings,
                          Path out, String commandLine, PrintStream stdout, PrintStream err) {
        return run(lm, modelPath, suite, inputs, settings, false, out, commandLine, stdout, err);
    }

    /** {@code questionAgnostic}: each item's context is compressed before its question is appended ({@link EvalRunner}). */
    static RunMetrics run(LoadedModel lm, Path modelPath, EvalSuite suite, java.util.Map<String, Object> inputs, EvalSettings settings,
                          boolean questionAgnostic, Path out, String commandLine, PrintStream stdout, PrintStream err) {
        EvalRunner runner = new EvalRunner(lm.model(), lm.tokenizer(), suite, settings, questionAgnostic);
        long t0 = System.nanoTime();
        List<EvalItem> items = runner.items();
        err.printf(Locale.ROOT, "%s: %d items x %d method/unit/budget combinations, built in %.1f s%n", suite.name(), items.size(),
                settings.combos().size(), (System.nanoTime() - t0) / 1e9);
        try (RunFolder folder = RunFolder.open(out, RunConfig.of(suite, settings, modelPath, commandLine, inputs, questionAgnostic))) {
            if (folder.truncatedTornLine()) err.println("cut an incomplete last line from " + out.resolve(RunFolder.PREDICTIONS));
            if (folder.resumedCount() > 0) err.println("resuming " + out + ": " + folder.resumedCount() + " predictions already there");
            ProgressLine bar = new ProgressLine(err, suite.name());
            int[] skipped = {0};
            runner.run(items, folder, (done, total, item, combo, p, resumed) -> {
                if (resumed) {
                    skipped[0]++;
                    return;
                }
                // the bar and its ETA count only the work this session does
                bar.update(done - skipped[0], total - skipped[0], String.format(Locale.ROOT, "%s %s %.0f", item.id(), combo, 100 * p.score()));
            });
            bar.finish();
            RunMetrics metrics = RunMetrics.of(suite, settings, items, folder.predictions());
            String model = modelPath.getFileName().toString();
            RunReport.write(out, metrics, settings, model);
            RunPlots.write(out, metrics, settings, folder.predictions());
            err.printf(Locale.ROOT, "%d prefills, %.1f s; wrote %s%n", runner.prefills(), (System.nanoTime() - t0) / 1e9, out);
            if (runner.reconstructions() > 0) {
                err.printf(Locale.ROOT, "%d reconstruction passes (kvzip), %.1f s of it%n", runner.reconstructions(), runner.reconstructionNanos() / 1e9);
            }
            stdout.println(RunReport.markdown(metrics, settings, model));
            return metrics;
        }
    }
}
