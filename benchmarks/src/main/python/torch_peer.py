"""The PyTorch-eager peer of mr1's benchmark.

The same text-only Qwen2-VL decoder, GRPO-D training step and KV-cache sampling that mr1's
benchmark times, written in plain Python PyTorch the way a lab would write it (nn.Module-free
functional code over the checkpoint's tensors, F.linear with bias, F.scaled_dot_product_attention,
torch.optim.AdamW, clip_grad_norm_, torch.multinomial). It runs as a long-lived subprocess of the
Java benchmark, which drives it with one JSON object per line on stdin and reads one JSON object
per line on stdout, so Python's and torch's start-up are never timed and both sides can be timed
interleaved. Every timed command measures itself with time.perf_counter around the work only.

Commands (field "cmd"):
  hello                     -> torch and Python versions, thread count
  threads  n                -> torch.set_num_threads(n)
  gemm     size, reps       -> best float32 matmul GFLOP/s
  load     name, model, reference   (checkpoint folders with config.json and model.safetensors)
  logprobs name, prompts, completions          -> per-token log-probs (no gradient)
  batch    name, prompts, completions, advantages  (reference log-probs computed here, untimed)
  train    name, step, fused    -> seconds, loss, grad norm (one GRPO-D step on the stored batch)
  sample   name, prompts, group, max_new, seed  -> seconds, tokens
  profile  name, fused, top  -> one train step under torch.profiler (CPU): wallMs, topLevelMs and the top ops
                               by self time as [name, count, self_cpu_time_total, cpu_time_total] (microseconds)
  quit
Errors are answered as {"error": "..."} and the peer keeps running.
"""
import json
import math
import struct
import sys
import time
import warnings

# torch warns at import when NumPy is absent; the peer does not use NumPy
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

NEG = -1e9  # mr1's additive mask value

# mr1's benchmark loss and optimiser (BackendBenchmark.LOSS / ADAM)
BETA, EPS_LOW, EPS_HIGH = 0.04, 0.2, 0.2
LR, WEIGHT_DECAY, BETAS, ADAM_EPS, MAX_NORM = 1e-5, 0.01, (0.9, 0.999), 1e-8, 1.0

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I64": torch.int64,
          "I32": torch.int32}


def read_safetensors(path):
    """The tensors of a .safetensors file as float32 (the format: u64 header size, JSON header, data)."""
    with open(path, "rb") as f:
        raw = f.read()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    data = bytearray(raw[8 + size:])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        dtype = DTYPES[meta["dtype"]]
        t = torch.frombuffer(data, dtype=dtype, count=(end - start) // dtype.itemsize, offset=start)
        out[name] = t.reshape(meta["shape"]).to(torch.float32).clone()
    return out


class Decoder:
    """The text path of Qwen2-VL: embedding, RMSNorm, rotary (M-RoPE reduces to 1-D RoPE on text, where
    the three position axes are equal), grouped-query attention with q/k/v bias, SwiGLU, tied head."""

    def __init__(self, folder, trainable):
        with open(folder + "/config.json") as f:
            cfg = json.load(f)
        text = cfg.get("text_config", cfg)
        self.hidden = text["hidden_size"]
        self.layers = text["num_hidden_layers"]
        self.heads = text["num_attention_heads"]
        self.kv_heads = text.get("num_key_value_heads", self.heads)
        self.head_dim = self.hidden // self.heads
        self.eps = text.get("rms_norm_eps", 1e-6)
        theta = text.get("rope_theta", 1e6)
        self.vocab = text["vocab_size"]
        if not cfg.get("tie_word_embeddings", text.get("tie_word_embeddings", False)):
            raise ValueError(folder + ": the peer implements the tied head only")
        eos = cfg.get("eos_token_id", -1)
        self.eos = set(eos if isinstance(eos, list) else [eos])
        self.pad = cfg.get("pad_token_id", next(iter(self.eos)))
        # tokens a completion never contains: the vision markers and the image placeholder (as mr1 bans)
        self.banned = sorted({cfg.get(k) for k in ("vision_start_token_id", "vision_end_token_id",
                                                   "image_token_id") if cfg.get(k) is not None
                              and cfg.get(k) < self.vocab} | self._vision_pad(folder))
        ban = torch.zeros(self.vocab)
        ban[self.banned] = NEG
        self.ban = ban
        self.inv_freq = theta ** (-torch.arange(0, self.head_dim, 2, dtype=torch.float64) / self.head_dim)
        self.inv_freq = self.inv_freq.to(torch.float32)
        weights = read_safetensors(folder + "/model.safetensors")
        self.p = {k: v.requires_grad_(trainable) for k, v in weights.items() if not k.startswith("visual.")}

    @staticmethod
    def _vision_pad(folder):
        try:
            with open(folder + "/tokenizer.json") as f:
                tok = json.load(f)
            vocab = tok["model"]["vocab"]
            return {vocab[t] for t in ("<|vision_start|>", "<|image_pad|>", "<|vision_end|>") if t in vocab}
        except (OSError, KeyError, ValueError):
            return set()

    def parameters(self):
        return list(self.p.values())

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

    def forward(self, ids, positions, bias, cache=None):
        """Logits [N, T, vocab]. bias: additive [N, 1, T, keys]; cache: per layer [k, v] grown by cat."""
        n, t = ids.shape
        angles = positions.to(torch.float32)[..., None] * self.inv_freq
        angles = torch.cat((angles, angles), dim=-1)[:, None]  # [N, 1, T, d]
        cos, sin = angles.cos(), angles.sin()
        p = self.p
        x = F.embedding(ids, p["model.embed_tokens.weight"])
        rep = self.heads // self.kv_heads
        for i in range(self.layers):
            pre = "model.layers.%d." % i
            h = self.rms(x, p[pre + "input_layernorm.weight"])
            q = F.linear(h, p[pre + "self_attn.q_proj.weight"], p[pre + "self_attn.q_proj.bias"])
            k = F.linear(h, p[pre + "self_attn.k_proj.weight"], p[pre + "self_attn.k_proj.bias"])
            v = F.linear(h, p[pre + "self_attn.v_proj.weight"], p[pre + "self_attn.v_proj.bias"])
            q = q.view(n, t, self.heads, self.head_dim).transpose(1, 2)
            k = k.view(n, t, self.kv_heads, self.head_dim).transpose(1, 2)
            v = v.view(n, t, self.kv_heads, self.head_dim).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if cache is not None:
                if cache[i] is not None:
                    k = torch.cat((cache[i][0], k), dim=2)
                    v = torch.cat((cache[i][1], v), dim=2)
                cache[i] = (k, v)
            if rep > 1:
                k = k.repeat_interleave(rep, dim=1)
                v = v.repeat_interleave(rep, dim=1)
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
            a = a.transpose(1, 2).reshape(n, t, self.hidden)
            x = x + F.linear(a, p[pre + "self_attn.o_proj.weight"])
            h = self.rms(x, p[pre + "post_attention_layernorm.weight"])
            g = F.linear(h, p[pre + "mlp.gate_proj.weight"])
            u = F.linear(h, p[pre + "mlp.up_proj.weight"])
            x = x + F.linear(F.silu(g) * u, p[pre + "mlp.down_proj.weight"])
        x = self.rms(x, p["model.norm.weight"])
        return F.linear(x, p["model.embed_tokens.weight"])


def layout(prompts, completions, pad):
    """[left-padded prompt | right-padded completion] ids, positions (real tokens counted from 0), key mask."""
    n = len(completions)
    plen = max(len(p) for p in prompts)
    width = max(1, max(len(c) for c in completions))
    t = plen + width
    ids = torch.full((n, t), pad, dtype=torch.long)
    pos = torch.zeros((n, t), dtype=torch.long)
    keys = torch.zeros((n, t), dtype=torch.bool)
    targets = torch.zeros((n, width), dtype=torch.long)
    mask = torch.zeros((n, width))
    for r, (p, c) in enumerate(zip(prompts, completions)):
        off = plen - len(p)
        ids[r, off:plen] = torch.tensor(p)
        ids[r, plen:plen + len(c)] = torch.tensor(c, dtype=torch.long)
        keys[r, off:plen + len(c)] = True
        pos[r, off:plen + len(c)] = torch.arange(len(p) + len(c))
        targets[r, :len(c)] = torch.tensor(c, dtype=torch.long)
        mask[r, :len(c)] = 1
    return ids, pos, keys, targets, mask, plen, width


def causal_bias(keys):
    """Additive [N, 1, T, T]: 0 where the key is real and not in the future, else -1e9 (as mr1)."""
    n, t = keys.shape
    causal = torch.ones(t, t, dtype=torch.bool).tril()
    visible = causal[None, None] & keys[:, None, None, :]
    return torch.zeros(visible.shape).masked_fill(~visible, NEG)


def completion_logprobs(model, ids, pos, keys, targets, plen, width):
    logits = model.forward(ids, pos, causal_bias(keys))
    logits = logits[:, plen - 1:plen - 1 + width] + model.ban
    return logits.log_softmax(-1).gather(-1, targets[..., None]).squeeze(-1)


class Peer:
    def __init__(self):
        self.models = {}

    def hello(self, _):
        return {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(),
                "mkl": torch.backends.mkl.is_available(), "openmp": torch.backends.openmp.is_available()}

    def threads(self, m):
        torch.set_num_threads(int(m["n"]))
        return {"threads": torch.get_num_threads()}

    def gemm(self, m):
        size, reps = int(m["size"]), int(m["reps"])
        a, b = torch.randn(size, size), torch.randn(size, size)
        a @ b
        best = math.inf
        for _ in range(reps):
            t0 = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - t0)
        return {"gflops": 2.0 * size ** 3 / best / 1e9, "threads": torch.get_num_threads()}

    def load(self, m):
        policy = Decoder(m["model"], True)
        reference = Decoder(m["reference"], False)
        self.models[m["name"]] = {
            "policy": policy, "reference": reference,
            "adamw": torch.optim.AdamW(policy.parameters(), lr=LR, betas=BETAS, eps=ADAM_EPS,
                                       weight_decay=WEIGHT_DECAY),
            "adamw_fused": torch.optim.AdamW(policy.parameters(), lr=LR, betas=BETAS, eps=ADAM_EPS,
                                             weight_decay=WEIGHT_DECAY, fused=True)}
        return {"parameters": sum(p.numel() for p in policy.parameters())}

    def logprobs(self, m):
        model = self.models[m["name"]]["reference" if m.get("reference") else "policy"]
        ids, pos, keys, targets, mask, plen, width = layout(m["prompts"], m["completions"], model.pad)
        with torch.no_grad():
            lp = completion_logprobs(model, ids, pos, keys, targets, plen, width)
        return {"logprobs": [lp[r, :len(c)].tolist() for r, c in enumerate(m["completions"])]}

    def batch(self, m):
        entry = self.models[m["name"]]
        ids, pos, keys, targets, mask, plen, width = layout(m["prompts"], m["completions"], entry["policy"].pad)
        with torch.no_grad():
            ref = completion_logprobs(entry["reference"], ids, pos, keys, targets, plen, width)
        adv = torch.tensor(m["advantages"], dtype=torch.float32)[:, None]
        entry["batch"] = (ids, pos, keys, targets, mask, plen, width, ref, adv)
        return {"rows": len(m["completions"])}

    def train(self, m):
        """One GRPO-D step: forward with grad, k3 KL against the frozen reference's log-probs, clipped
        objective, sequence-mean loss, backward, global-norm clipping, AdamW (default or fused)."""
        t0 = time.perf_counter()
        out = self._step(self.models[m["name"]], m.get("fused"))
        out["seconds"] = time.perf_counter() - t0
        return out

    @staticmethod
    def _step(entry, fused):
        model = entry["policy"]
        ids, pos, keys, targets, mask, plen, width, ref, adv = entry["batch"]
        opt = entry["adamw_fused" if fused else "adamw"]
        logp = completion_logprobs(model, ids, pos, keys, targets, plen, width)
        ratio = torch.exp(logp - logp.detach())
        clipped = ratio.clamp(1 - EPS_LOW, 1 + EPS_HIGH)
        objective = torch.minimum(ratio * adv, clipped * adv)
        diff = ref - logp
        kl = diff.exp() - diff - 1
        objective = objective - BETA * kl
        loss = ((-objective * mask).sum(1) / mask.sum(1).clamp(min=1)).mean()
        with torch.no_grad():  # the statistics mr1's step reports (read to the host, as TRL logs them)
            tokens = mask.sum().clamp(min=1)
            kl_mean = ((kl * mask).sum() / tokens).item()
            ((ratio < 1 - EPS_LOW) & (adv < 0)).float().mul(mask).sum().div(tokens).item()
            ((ratio > 1 + EPS_HIGH) & (adv > 0)).float().mul(mask).sum().div(tokens).item()
        loss_value = loss.item()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_NORM).item()
        opt.step()
        opt.zero_grad()
        return {"loss": loss_value, "gradNorm": norm, "klMean": kl_mean}

    def profile(self, m):
        """One train step under torch.profiler (CPU activities only). The optimiser's record_function
        annotations (Optimizer.step#..., Optimizer.zero_grad#...) are not ops: they are left out of the op
        list, the ops inside them count as top-level, and the Python time they span counts as outside."""
        from torch.profiler import profile, ProfilerActivity
        entry = self.models[m["name"]]
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            t0 = time.perf_counter()
            self._step(entry, m.get("fused"))
            wall = time.perf_counter() - t0

        def annotation(e):
            return e.name.startswith("Optimizer.") or e.name.startswith("##")

        spans = []
        for e in prof.events():
            if annotation(e):
                continue
            parent = e.cpu_parent
            while parent is not None and annotation(parent):
                parent = parent.cpu_parent
            if parent is None:
                spans.append((e.time_range.start, e.time_range.end))
        spans.sort()
        covered, lo, hi = 0.0, None, None
        for a, b in spans:
            if hi is None or a > hi:
                covered += 0 if hi is None else hi - lo
                lo, hi = a, b
            else:
                hi = max(hi, b)
        covered += 0 if hi is None else hi - lo
        ops = [[k.key, k.count, k.self_cpu_time_total, k.cpu_time_total] for k in prof.key_averages()
               if not k.key.startswith("Optimizer.") and not k.key.startswith("##")]
        ops.sort(key=lambda o: -o[2])
        return {"wallMs": wall * 1e3, "topLevelMs": covered / 1e3, "ops": ops[:int(m.get("top", 1000))],
                "opKinds": len(ops)}

    def sample(self, m):
        """B prompts x G rows, temperature 1, no top-k/top-p: each prompt prefilled once, its KV cache
        repeated over the group, then one token per step for every row; each token's log-prob kept."""
        model = self.models[m["name"]]["policy"]
        prompts, g, max_new = m["prompts"], int(m["group"]), int(m["max_new"])
        gen = torch.Generator().manual_seed(int(m["seed"]))
        t0 = time.perf_counter()
        with torch.no_grad():
            u = len(prompts)
            n = u * g
            ids, pos, keys, _, _, plen, _ = layout(prompts, [[]] * u, model.pad)
            ids, pos, keys = ids[:, :plen], pos[:, :plen], keys[:, :plen]
            cache = [None] * model.layers
            logits = model.forward(ids, pos, causal_bias(keys), cache)[:, -1]
            cache = [(k.repeat_interleave(g, 0), v.repeat_interleave(g, 0)) for k, v in cache]
            logits = logits.repeat_interleave(g, 0)
            keys = keys.repeat_interleave(g, 0)
            next_pos = pos[:, -1].repeat_interleave(g, 0) + 1
            done = torch.zeros(n, dtype=torch.bool)
            out, logps = [], []
            for step in range(max_new):
                logits = logits + model.ban
                token = torch.multinomial(logits.softmax(-1), 1, generator=gen).squeeze(1)
                token = torch.where(done, torch.full_like(token, model.pad), token)
                logps.append(logits.log_softmax(-1).gather(1, token[:, None]).squeeze(1))
                out.append(token)
                done = done | torch.isin(token, torch.tensor(sorted(model.eos)))
                if step == max_new - 1 or bool(done.all()):
                    break
                keys = torch.cat((keys, torch.ones(n, 1, dtype=torch.bool)), 1)
                bias = torch.zeros(n, 1, 1, keys.shape[1]).masked_fill(~keys[:, None, None, :], NEG)
                logits = model.forward(token[:, None], next_pos[:, None], bias, cache)[:, -1]
                next_pos = next_pos + 1
            tokens = torch.stack(out, 1)
            # count each row's tokens up to and including its end-of-sequence token
            ended = torch.isin(tokens, torch.tensor(sorted(model.eos)))
            first_end = torch.where(ended.any(1), ended.float().argmax(1) + 1, torch.tensor(tokens.shape[1]))
            count = int(first_end.sum())
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "tokens": count, "endedWithEos": int(ended.any(1).sum())}


def main():
    peer = Peer()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            m = json.loads(line)
            if m["cmd"] == "quit":
                break
            reply = getattr(peer, m["cmd"])(m)
        except Exception as e:  # report and keep serving: the Java side decides what an error means
            reply = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
