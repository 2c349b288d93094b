package io.mr1.trainer.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.mr1.answers.Answers;
import io.mr1.api.cli.CliCommand;
import io.mr1.api.plugin.PluginKind;
import io.mr1.api.plugin.PluginRegistry;
import io.mr1.api.reward.RewardFunction;
import io.mr1.api.task.AnswerType;
import io.mr1.api.task.Sample;
import io.mr1.api.types.Completion;
import io.mr1.api.types.Prompt;
import io.mr1.api.types.RewardBreakdown;
import io.mr1.core.cli.BaseCommand;
import io.mr1.core.cli.CommandLine;
import io.mr1.core.cli.UsageException;
import io.mr1.core.io.AtomicFiles;
import io.mr1.core.jsonl.JsonLineException;
import io.mr1.core.jsonl.JsonLines;
import io.mr1.trainer.grpo.RewardAggregator;
import io.mr1.trainer.grpo.WeightedReward;
import io.mr1.trainer.run.Trainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code mr1 rewards score --input FILE.jsonl [--rewards a,b]}: scores completions with the
 * installed reward plugins, exactly as training would (same aggregation, same fault
 * handling), so a lab can check its reward plugin before a run.
 */
@Component(service = CliCommand.class, property = CliCommand.NAME_PROPERTY + "=rewards")
public final class RewardsCommand extends BaseCommand {

    /** R1-V writes solutions as {@code <answer> N </answer>}; the ground truth is inside. */
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeSpecialFloatingPointValues()
            .create();

    private final PluginRegistry registry;
    private final RewardAggregator aggregator;

    /**
     * Creates the command.
     *
     * @param registry where rewards are found
     * @param trainer the trainer's parts (the training-time scorer)
     */
    @Activate
    public RewardsCommand(@Reference PluginRegistry registry, @Reference Trainer trainer) {
        this.registry = registry;
        this.aggregator = trainer.get(RewardAggregator.class);
    }

    @Override
    public String name() {
        return "rewards";
    }

    @Override
    public String summary() {
        return "score completions with reward plugins (rewards score --input FILE.jsonl)";
    }

    @Override
    public String usage() {
        return """
                Usage: mr1 rewards score --input FILE.jsonl [--rewards NAME,NAME...] [--out FILE.jsonl]

                Scores each input line {"completion": "...", "solution": ...} with the named
                reward plugins (default: every installed reward), the way training does:
                a plugin that throws or returns NaN scores 0 for that line and is listed in
                "faults". The solution is the ground truth, a number or a string; R1-V's
                "<answer> N </answer>" wrapping is removed; an empty solution is an error.
                Lines must be UTF-8 and strict JSON (double quotes, no duplicated keys);
                blank lines are skipped; an error names the file and line.
                Output: one JSON line per input line with "line", "scores", "total"
                (sum of weight x score), "faults" and "diagnostics".
                """;
    }

    @Override
    protected Set<String> flags() {
        return Set.of();
    }

    @Override
    protected Set<String> valuedOptions() {
        return Set.of("--input", "--rewards", "--out");
    }

    @Override
    protected int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (line.positional().size() != 1 || !line.positional().get(0).equals("score")) {
            throw new UsageException(line.positional().isEmpty() ? "missing subcommand 'score'"
                    : "unknown subcommand '" + String.join(" ", line.positional()) + "'; valid: score");
        }
        Path input = Path.of(line.require("--input"));
        List<WeightedReward> rewards = new ArrayList<>();
        List<String> names = line.has("--rewards")
                ? List.of(line.value("--rewards").split(","))
                : registry.names(PluginKind.REWARD);
        if (names.isEmpty()) {
            err.println("mr1 rewards: no reward plugins are installed (see mr1 plugins)");
            return 1;
        }
        for (String raw : names) {
            String name = raw.trim();
            RewardFunction fn;
            try {
                fn = registry.unique(PluginKind.REWARD, name, RewardFunction.class).orElse(null);
            } catch (io.mr1.api.plugin.DuplicatePluginException e) {
                err.println("mr1 rewards: " + e.withRemedy());
                return 2;
            }
            if (fn == null) {
                err.println("mr1 rewards: unknown reward '" + name + "'; installed: "
                        + String.join(", ", registry.names(PluginKind.REWARD)));
                return 2;
            }
            rewards.add(WeightedReward.of(fn));
        }
        List<String> results;
        try {
            results = score(input, rewards);
        } catch (NoSuchFileException e) {
            err.println("mr1 rewards: input file not found: " + input);
            return 1;
        } catch (BadLineException | JsonLineException e) {
            err.println("mr1 rewards: " + e.getMessage());
            return 1;
        }
        String outFile = line.value("--out");
        if (outFile == null) {
            results.forEach(out::println);
        } else {
            Path target = Path.of(outFile);
            AtomicFiles.writeLines(target, results);
            err.println("wrote " + results.size() + " lines to " + target.toAbsolutePath());
        }
        return 0;
    }

    /** A malformed input line; the message names file and line. */
    static final class BadLineException extends Exception {
        private static final long serialVersionUID = 1L;

        BadLineException(Path file, long line, String message) {
            super(file + ":" + line + ": " + message);
        }
    }

    /** Reads every line first, so a malformed line fails the command before any output. */
    List<String> score(Path input, List<WeightedReward> rewards) throws IOException, BadLineException {
        List<String> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(input)) {
            long number = line.number();
            JsonObject obj = line.object();
            String completion = string(obj, "completion", input, number);
            String solution = solution(obj, input, number);
            String id = "line-" + number;
            Sample sample = new Sample(Prompt.text(id, ""), "", solution,
                    solution.matches("-?\\d+") ? AnswerType.INTEGER : AnswerType.NUMERIC_EXPRESSION);
            RewardBreakdown b = aggregator.score(sample, List.of(Completion.ofText(id, 0, completion)), rewards)
                    .get(0);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("line", number);
            row.put("scores", b.scores());
            row.put("total", b.total());
            row.put("faults", b.faults().stream().sorted().toList());
            row.put("diagnostics", b.diagnostics());
            out.add(GSON.toJson(row));
        }
        return out;
    }

    private static String string(JsonObject obj, String key, Path file, long line) throws BadLineException {
        JsonElement e = obj.get(key);
        if (e == null || e.isJsonNull()) {
            throw new BadLineException(file, line, "missing key \"" + key + "\" (expected keys: completion, solution)");
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new BadLineException(file, line, "\"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    private static String solution(JsonObject obj, Path file, long line) throws BadLineException {
        JsonElement e = obj.get("solution");
        if (e == null || e.isJsonNull()) {
            throw new BadLineException(file, line, "missing key \"solution\" (expected keys: completion, solution)");
        }
        if (!e.isJsonPrimitive() || ((JsonPrimitive) e).isBoolean()) {
            throw new BadLineException(file, line, "\"solution\" must be a number or a string");
        }
        try {
            return Answers.groundTruth(e.getAsString());
        } catch (IllegalArgumentException blank) {
            // A blank truth would make a blank answer score 1: an error in the input, not a score.
            throw new BadLineException(file, line, "\"solution\" is empty");
        }
    }
}
