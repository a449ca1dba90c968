package io.github.compresskv.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template (the Jinja source from GGUF {@code tokenizer.chat_template} or tokenizer_config.json),
 * rendered with Jinjava the way Hugging Face transformers renders it: {@code trim_blocks} and
 * {@code lstrip_blocks}, {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token},
 * plus what HF templates use and Jinjava lacks: {@code raise_exception}, {@code strftime_now}, Python's
 * {@code tojson} and Python string methods. Thread-safe.
 *
 * <p>Templates come from downloaded files, so rendering is bounded: it stops with a {@link TokenizerException} after
 * {@link #RENDER_TIME_LIMIT_MS} or when the output (or any string or list it builds) outgrows a limit that scales
 * with the messages ({@link #outputLimit}), instead of looping for hours or filling the heap.
 */
public final class ChatTemplate {

    /** One chat message. */
    public record Message(String role, String content) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("role", role);
            m.put("content", content);
            return m;
        }
    }

    /**
     * The layout used when a model has no template: an optional system text, then "User: ..." and
     * "Assistant: ..." lines, ending with "Assistant:" when a reply is wanted.
     */
    public static final String PLAIN_FALLBACK_SOURCE = """
            {% for m in messages %}{% if m.role == 'system' %}{{ m.content }}

            {% elif m.role == 'user' %}User: {{ m.content }}
            {% else %}Assistant: {{ m.content }}
            {% endif %}{% endfor %}{% if add_generation_prompt %}Assistant:{% endif %}""";

    /** Longest a rendering may take; real templates render a prompt in milliseconds. */
    public static final long RENDER_TIME_LIMIT_MS = 5_000;

    /** The smallest output limit (see {@link #outputLimit}). */
    public static final int MIN_OUTPUT_LIMIT = 1 << 20;

    /** The largest output limit: a template never renders more characters than this. */
    public static final int MAX_OUTPUT_CHARS = 1 << 28;

    /** Longest template source accepted; real ones are a few kilobytes. */
    public static final int MAX_SOURCE_CHARS = 1 << 20;

    /**
     * Deepest nesting of ( and [ accepted; real templates nest a few levels. Jinjava's expression parser takes
     * quadratic time in the depth and overflows the stack near 600, before rendering (and its time limit) starts.
     */
    public static final int MAX_BRACKET_DEPTH = 128;

    /** Most elements of a list or map a template may build. */
    static final int MAX_COLLECTION_SIZE = 1 << 20;

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final String prepared;
    /** Engines by output limit (a power of two): Jinjava fixes its limits per engine. */
    private final Map<Integer, Jinjava> engines = new ConcurrentHashMap<>();

    /**
     * @param source   the Jinja template text
     * @param bosToken the text bound to {@code bos_token} ("" when the model has none)
     * @param eosToken the text bound to {@code eos_token} ("" when the model has none)
     */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = source;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        requireBounded(source);
        this.prepared = JinjavaDialect.prepare(source);
    }

    private static void requireBounded(String source) {
        if (source.length() > MAX_SOURCE_CHARS) {
            throw new TokenizerException("chat template has " + source.length() + " characters; the limit is " + MAX_SOURCE_CHARS);
        }
        int depth = 0;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '(' || c == '[') {
                if (++depth > MAX_BRACKET_DEPTH) {
                    throw new TokenizerException("chat template nests brackets more than " + MAX_BRACKET_DEPTH
                            + " deep (at character " + i + ")");
                }
            } else if ((c == ')' || c == ']') && depth > 0) {
                depth--;
            }
        }
    }

    /** The template used when a model has none (see {@link #PLAIN_FALLBACK_SOURCE}). */
    public static ChatTemplate plainFallback() {
        return new ChatTemplate(PLAIN_FALLBACK_SOURCE, "", "");
    }

    public String source() { return source; }

    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> maps = new ArrayList<>();
        for (Message m : messages) maps.add(m.toMap());
        return render(maps, addGenerationPrompt, Map.of());
    }

    /**
     * Renders with messages as maps (role, content, and anything else the template reads, e.g. tool_calls)
     * and extra variables (tools, date_string, ...). A {@code raise_exception} in the template or any
     * rendering error becomes a {@link TokenizerException} with the template's message.
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
                         Map<String, ?> variables) {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("bos_token", bosToken);
        context.put("eos_token", eosToken);
        context.putAll(variables);
        context.put("messages", new ArrayList<>(messages));
        context.put("add_generation_prompt", addGenerationPrompt);
        // functions are not variables in Jinjava; HF templates test "strftime_now is defined"
        context.putIfAbsent("strftime_now", "strftime_now");
        context.putIfAbsent("raise_exception", "raise_exception");
        int limit = outputLimit(messages, variables);
        Jinjava jinjava = engines.computeIfAbsent(limit, ChatTemplate::newEngine);
        RenderResult result;
        DEADLINE.set(System.nanoTime() + RENDER_TIME_LIMIT_MS * 1_000_000);
        try {
            result = jinjava.renderForResult(prepared, context);
        } catch (RenderLimitExceeded e) {
            throw new TokenizerException("chat template " + e.getMessage());
        } catch (StackOverflowError e) {
            throw new TokenizerException("chat template nests too deeply to render");
        } catch (RuntimeException e) {
            Throwable cause = limitCause(e);
            if (cause instanceof RenderLimitExceeded) throw new TokenizerException("chat template " + cause.getMessage());
            if (cause != null) throw new TokenizerException("chat template renders more than " + limit + " characters");
            throw new TokenizerException("chat template failed: " + e, e);
        } finally {
            DEADLINE.remove();
        }
        for (TemplateError e : result.getErrors()) {
            if (isRecursion(e)) throw new TokenizerException("chat template recurses without end: " + e.getMessage());
            if (e.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            String raised = raisedMessage(e);
            if (raised != null) throw new TokenizerException("chat template raised: " + raised);
            Throwable cause = limitCause(e.getException());
            if (cause instanceof RenderLimitExceeded) throw new TokenizerException("chat template " + cause.getMessage());
            if (cause != null || e.getMessage() != null && e.getMessage().contains("over limit of")) {
                throw new TokenizerException("chat template renders more than " + limit + " characters");
            }
            throw new TokenizerException("chat template failed at line " + e.getLineno() + ": " + e.getMessage());
        }
        String out = result.getOutput();
        if (out.length() > limit) throw new TokenizerException("chat template renders more than " + limit + " characters");
        return out;
    }

    /**
     * The most characters a rendering may produce: four times the text it is given (messages and variables),
     * at least {@link #MIN_OUTPUT_LIMIT} and at most {@link #MAX_OUTPUT_CHARS}, rounded up to a power of two.
     */
    static int outputLimit(List<? extends Map<String, ?>> messages, Map<String, ?> variables) {
        long chars = 0;
        for (Map<String, ?> m : messages) for (Object v : m.values()) chars += String.valueOf(v).length();
        for (Object v : variables.values()) chars += String.valueOf(v).length();
        long wanted = Math.max(MIN_OUTPUT_LIMIT, Math.min(MAX_OUTPUT_CHARS, 4 * chars));
        return (int) Math.min(MAX_OUTPUT_CHARS, Long.highestOneBit(wanted - 1) << 1);
    }

    /** Jinjava reports a macro that calls itself as a warning and renders nothing; for us it is an error. */
    private static boolean isRecursion(TemplateError e) {
        return e.getMessage() != null && e.getMessage().startsWith("Cycle detected");
    }

    private static Throwable limitCause(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof RenderLimitExceeded) return t;
            if (t.getClass().getSimpleName().equals("OutputTooBigException")) return t;
        }
        return null;
    }

    /** The end of the rendering running on this thread, checked before every node is rendered. */
    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private static void checkDeadline() {
        Long deadline = DEADLINE.get();
        if (deadline != null && System.nanoTime() - deadline > 0) {
            throw new RenderLimitExceeded("took longer than " + RENDER_TIME_LIMIT_MS + " ms to render (a loop without end?)");
        }
    }

    private static final class RenderLimitExceeded extends RuntimeException {
        RenderLimitExceeded(String message) { super(message); }
    }

    private static String raisedMessage(TemplateError e) {
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateRaised r) return r.getMessage();
        }
        String m = e.getMessage();
        int i = m == null ? -1 : m.indexOf(TemplateRaised.MARKER);
        return i < 0 ? null : m.substring(i + TemplateRaised.MARKER.length());
    }

    private static Jinjava newEngine(int outputLimit) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withElResolver(resolver)
                .withMaxOutputSize(outputLimit)
                .withMaxStringLength(outputLimit)
                .withMaxListSize(MAX_COLLECTION_SIZE)
                .withMaxMapSize(MAX_COLLECTION_SIZE)
                .withNodePreProcessor((node, interpreter) -> checkDeadline())
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        Jinjava j = new Jinjava(config);
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                ChatTemplate.class, "raiseException", String.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now",
                ChatTemplate.class, "strftimeNow", String.class));
        j.getGlobalContext().registerFilter(new ToJson());
        j.getGlobalContext().registerFilter(new PyStr());
        return j;
    }

    /** {@code raise_exception(message)}: aborts rendering with the template's message. */
    public static Object raiseException(String message) {
        throw new TemplateRaised(message);
    }

    /** {@code strftime_now(format)}: the current local time in Python strftime format. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format, Locale.ENGLISH);
    }

    private static final class TemplateRaised extends RuntimeException {
        static final String MARKER = "raise_exception: ";

        TemplateRaised(String message) { super(message); }

        @Override public String toString() { return MARKER + getMessage(); }
    }

    /** Formats printed values as Python's str() does (see {@link JinjavaDialect}). */
    private static final class PyStr implements Filter {
        @Override public String getName() { return JinjavaDialect.PY_STR_FILTER; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return JinjavaDialect.pyStr(var);
        }
    }

    /** Python's json.dumps as transformers' {@code tojson} filter (ensure_ascii=False, optional indent). */
    private static final class ToJson implements Filter {
        @Override public String getName() { return "tojson"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.dumps(var, args.length > 0 ? Integer.valueOf(args[0]) : null);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            return PythonJson.dumps(var, indent == null ? null : ((Number) toNumber(indent)).intValue());
        }

        private static Object toNumber(Object o) { return o instanceof Number ? o : Long.valueOf(o.toString()); }
    }
}
