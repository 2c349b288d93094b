package io.mr1.trainer.run;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TRL GRPOConfig names accepted at the top level of a run configuration, as a flat TRL YAML
 * has them, each moved to the mr1 key of the same meaning before parsing. A setting given both
 * ways is an error naming both keys; errors in a value name the key as the user wrote it.
 * docs/CONFIG.md lists the mapping and where the units differ.
 */
final class TrlNames {

    /** TRL's gradient_accumulation_steps, read in the grpo section to size micro-batches. */
    static final String ACCUMULATION = "gradient_accumulation_steps";

    /** TRL name to the mr1 key path (section.key) with the same meaning. */
    static final Map<String, String> SAME_MEANING = sameMeaning();

    /** TRL loss_type to grpo.loss_aggregation. */
    static final Map<String, String> LOSS_TYPES = Map.of("grpo", "sequence_mean", "bnpo", "token_mean",
            "dr_grpo", "constant_length");

    /** TRL lr_scheduler_type to optimizer.lr_decay (every mr1 schedule warms up when asked to). */
    static final Map<String, String> LR_SCHEDULERS = Map.of("constant", "constant", "constant_with_warmup", "constant",
            "linear", "linear", "cosine", "cosine");

    /** TRL names whose meaning mr1 does not share: why, so the error says more than "unknown key". */
    static final Map<String, String> DIFFERENT = Map.of(
            "per_device_train_batch_size", "TRL counts completions per device; mr1's batch_size counts prompts"
                    + " (batch_size = per_device_train_batch_size x devices x gradient_accumulation_steps"
                    + " / num_generations)",
            "max_prompt_length", "mr1 never truncates prompts (a truncated image prompt loses its question);"
                    + " remove the key");

    private TrlNames() {
    }

    private static Map<String, String> sameMeaning() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("num_iterations", "grpo.mu");
        m.put("num_generations", "grpo.num_generations");
        m.put("max_completion_length", "grpo.max_completion_length");
        m.put("temperature", "grpo.temperature");
        m.put("top_p", "grpo.top_p");
        m.put("top_k", "grpo.top_k");
        m.put("epsilon", "grpo.epsilon");
        m.put("epsilon_high", "grpo.epsilon_high");
        m.put("scale_rewards", "grpo.scale_rewards");
        m.put("loss_type", "grpo.loss_aggregation");
        m.put(ACCUMULATION, "grpo." + ACCUMULATION);
        m.put("max_steps", "steps");
        m.put("num_train_epochs", "epochs");
        m.put("save_steps", "checkpoint_every");
        m.put("save_total_limit", "keep_checkpoints");
        m.put("eval_steps", "eval_every");
        m.put("logging_steps", "log_every");
        m.put("learning_rate", "optimizer.learning_rate");
        m.put("lr_scheduler_type", "optimizer.lr_decay");
        m.put("adam_beta1", "optimizer.beta1");
        m.put("adam_beta2", "optimizer.beta2");
        m.put("adam_epsilon", "optimizer.epsilon");
        m.put("weight_decay", "optimizer.weight_decay");
        m.put("max_grad_norm", "optimizer.max_grad_norm");
        m.put("warmup_ratio", "optimizer.warmup_ratio");
        m.put("warmup_steps", "optimizer.warmup_steps");
        m.put("beta", "kl_schedule");
        return m;
    }

    /**
     * The configuration with TRL names moved to mr1 keys.
     *
     * @param source the file, for messages
     * @param given the values as given
     * @param givenAs filled with mr1 key path to the TRL name it was given as (for messages)
     * @return a copy in mr1 keys only
     * @throws ConfigException when a setting is given both ways, or a TRL value has no mr1 meaning
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> toNative(String source, Map<String, Object> given, Map<String, String> givenAs)
            throws ConfigException {
        for (Map.Entry<String, String> e : DIFFERENT.entrySet()) {
            if (given.containsKey(e.getKey())) {
                throw new ConfigException(source + ": " + e.getKey() + ": not accepted: " + e.getValue());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        given.forEach((k, v) -> out.put(k, v instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : v));
        for (Map.Entry<String, String> e : SAME_MEANING.entrySet()) {
            String trl = e.getKey();
            if (!given.containsKey(trl)) {
                continue;
            }
            Object value = out.remove(trl);
            String path = e.getValue();
            if (trl.equals("beta")) {
                if (out.containsKey("kl_schedule")) {
                    throw new ConfigException(source + ": beta and kl_schedule both set the KL weight; give one"
                            + " (beta: B is kl_schedule: {name: constant, beta: B})");
                }
                Map<String, Object> kl = new LinkedHashMap<>();
                kl.put("name", "constant");
                kl.put("beta", value);
                out.put("kl_schedule", kl);
                givenAs.put("kl_schedule.beta", "beta");
                continue;
            }
            if (trl.equals("loss_type")) {
                value = translate(source, trl, value, LOSS_TYPES);
            } else if (trl.equals("lr_scheduler_type")) {
                value = translate(source, trl, value, LR_SCHEDULERS);
            }
            int dot = path.indexOf('.');
            Map<String, Object> section = out;
            String key = path;
            if (dot > 0) {
                String name = path.substring(0, dot);
                key = path.substring(dot + 1);
                Object existing = out.get(name);
                if (existing != null && !(existing instanceof Map)) {
                    throw new ConfigException(source + ": " + name + ": must be a section (a map of keys)");
                }
                section = existing == null ? new LinkedHashMap<>() : (Map<String, Object>) existing;
                out.put(name, section);
            }
            boolean accumulation = trl.equals(ACCUMULATION);
            if (section.containsKey(key) || accumulation && section.containsKey("micro_batch_size")) {
                throw new ConfigException(source + ": " + trl + " and " + (accumulation ? "grpo.micro_batch_size" : path)
                        + " give the same setting; give one");
            }
            section.put(key, value);
            givenAs.put(path, trl);
        }
        return out;
    }

    private static Object translate(String source, String key, Object value, Map<String, String> valid)
            throws ConfigException {
        String mapped = value == null ? null : valid.get(value.toString());
        if (mapped == null) {
            throw new ConfigException(source + ": " + key + ": '" + value + "' is not one of "
                    + String.join(", ", List.copyOf(new java.util.TreeSet<>(valid.keySet()))));
        }
        return mapped;
    }
}
