package io.github.compresskv.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * The {@code config.json} of a run: a {@code run} part with everything that decides the results (suite and its
 * options, methods, budgets, compression knobs, KV storage, the model's identity: size and the SHA-256 of its first
 * MiB, which holds a GGUF file's header and metadata), compared on resume; and a {@code provenance} part (model
 * path and modification time, git commit, Java version, start time, command line) that is only recorded.
 */
public final class RunConfig {
    static final int HASHED_BYTES = 1 << 20;

    private RunConfig() {}

    public static ObjectNode of(EvalSuite suite, EvalSettings settings, Path model, String commandLine) {
        return of(suite, settings, model, commandLine, java.util.Map.of());
    }

    /**
     * As {@link #of(EvalSuite, EvalSettings, Path, String)}, with {@code inputs}: what the command gave a suite that
     * does not report its own options (LongBench: data folder, datasets, samples), compared on resume too.
     */
    public static ObjectNode of(EvalSuite suite, EvalSettings settings, Path model, String commandLine, java.util.Map<String, Object> inputs) {
        return of(suite, settings, model, commandLine, inputs, false);
    }

    /**
     * As {@link #of(EvalSuite, EvalSettings, Path, String, java.util.Map)}; {@code questionAgnostic} runs (the context
     * compressed before the question is appended) record {@code "question_agnostic": true} in the run part, so a folder
     * of one mode never resumes in the other (the key is absent in normal runs: their folders stay as they were).
     */
    public static ObjectNode of(EvalSuite suite, EvalSettings settings, Path model, String commandLine, java.util.Map<String, Object> inputs,
                                boolean questionAgnostic) {
        ObjectNode root = RunFolder.JSON.createObjectNode();
        ObjectNode run = root.putObject("run");
        run.put("suite", suite.name());
        if (questionAgnostic) run.put("question_agnostic", true);
        run.set("suite_options", RunFolder.JSON.valueToTree(suite.options()));
        if (!inputs.isEmpty()) run.set("suite_inputs", RunFolder.JSON.valueToTree(inputs));
        run.set("methods", RunFolder.JSON.valueToTree(settings.methods()));
        run.set("budgets", RunFolder.JSON.valueToTree(settings.budgets()));
        // written only when other than tokens, so that run folders from before units resume unchanged
        if (!settings.units().equals(java.util.List.of(io.github.compresskv.compress.SelectionUnit.token()))) {
            run.set("units", RunFolder.JSON.valueToTree(settings.units().stream().map(io.github.compresskv.compress.SelectionUnit::label).toList()));
        }
        ObjectNode c = run.putObject("compression");
        var o = settings.options();
        c.put("window", o.window());
        var pooling = o.part(io.github.compresskv.compress.AttentionPooling.class);
        c.put("pool", pooling.kernel());
        c.put("pooling", pooling.pooling().name().toLowerCase(java.util.Locale.ROOT));
        c.put("retrieval_heads", o.part(io.github.compresskv.compress.SemanticRetrievalHeadScorer.Settings.class).heads());
        c.put("seed", o.part(io.github.compresskv.compress.RandomScorer.Settings.class).seed());
        // written only when set, so that run folders from before sinks resume unchanged
        if (o.sinkTokens() > 0) c.put("sink_tokens", o.sinkTokens());
        c.put("head_profile_sha256", o.headProfile() == null ? null : sha256(o.headProfile(), Long.MAX_VALUE));
        c.put("layer_profile_sha256", o.layerProfile() == null ? null : sha256(o.layerProfile(), Long.MAX_VALUE));
        run.put("kv_type", settings.storage().name().toLowerCase(java.util.Locale.ROOT));
        run.put("decoding", "greedy");
        ObjectNode m = run.putObject("model");
        Path identity = Files.isDirectory(model) ? model.resolve("config.json") : model;
        try {
            m.put("bytes", Files.isDirectory(model) ? Files.size(identity) : Files.size(model));
        } catch (IOException e) {
            throw new UncheckedIOException("--model: cannot read " + model + ": " + e.getMessage(), e);
        }
        m.put("sha256_first_mib", sha256(identity, HASHED_BYTES));
        ObjectNode p = root.putObject("provenance");
        p.put("model_path", model.toAbsolutePath().normalize().toString());
        try {
            p.put("model_modified", Files.getLastModifiedTime(identity).toString());
        } catch (IOException e) {
            p.put("model_modified", "unknown");
        }
        p.put("head_profile", o.headProfile() == null ? null : o.headProfile().toString());
        p.put("layer_profile", o.layerProfile() == null ? null : o.layerProfile().toString());
        p.put("git_commit", gitCommit());
        p.put("java_version", System.getProperty("java.version"));
        p.put("started", Instant.now().toString());
        p.put("command", commandLine);
        return root;
    }

    /** SHA-256 (hex) of the first {@code limit} bytes of {@code file}. */
    static String sha256(Path file, long limit) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            long left = limit;
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= n) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code git rev-parse HEAD} in the installation folder (or the working folder), "unknown" when that fails. */
    static String gitCommit() {
        String home = System.getProperty("compresskv.home", ".");
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").directory(Path.of(home).toFile()).redirectErrorStream(true).start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
