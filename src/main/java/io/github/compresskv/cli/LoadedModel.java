package io.github.compresskv.cli;

import io.github.compresskv.format.ModelSources;
import io.github.compresskv.model.Model;
import io.github.compresskv.tensor.Parallel;
import io.github.compresskv.tokenizer.Tokenizer;

import java.io.PrintStream;

/** A model and its tokenizer, loaded for one command; closing releases the mapping and the threads. */
record LoadedModel(Model model, Tokenizer tokenizer, double loadMs) implements AutoCloseable {

    static LoadedModel open(ModelOptions options, PrintStream log) {
        long t0 = System.nanoTime();
        Parallel pool = options.threads == null ? Parallel.ofDefault() : new Parallel(options.threads);
        Model model;
        try {
            model = Model.load(ModelSources.open(options.modelPath()), pool);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        try {
            Tokenizer tokenizer = model.tokenizer(); // loaded now, so a bad tokenizer fails before any work
            double ms = (System.nanoTime() - t0) / 1e6;
            log.printf("loaded %s in %.0f ms (%s)%n", options.model, ms, model.config().summary());
            return new LoadedModel(model, tokenizer, ms);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
