"""Writes qwen-chat-oracle.json: what Qwen2-VL's own chat template and processor give for the
R1-V counting prompt, tokenised by the Hugging Face `tokenizers` package (the oracle for
QwenChatTokenizerTest; run once, not in CI).

    python3 -m venv venv && venv/bin/pip install tokenizers jinja2
    venv/bin/python oracle.py ../../../../../../shared > qwen-chat-oracle.json

The template is Qwen2-VL-Instruct's chat_template (as transformers' Qwen2VLProcessor tests and the
hub's chat_template.json carry it), rendered with jinja2 the way transformers does
(trim_blocks, lstrip_blocks); each <|image_pad|> is then repeated grid_t*grid_h*grid_w/4 times,
as Qwen2VLProcessor does. The grid is transformers' own, read from the parity fixture.
"""
import json
import sys

import jinja2
import tokenizers

QWEN2_VL_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}"
    "{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: "
    "{% endif %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
R1V_TEMPLATE = ("{question}  Output the thinking process in <think> </think> and final answer (number) "
                "in <answer> </answer> tags.")

shared = sys.argv[1]
env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
template = env.from_string(QWEN2_VL_TEMPLATE)
tok = tokenizers.Tokenizer.from_file(shared + "/fixtures/qwen-tokenizer/tokenizer.json")
with open(shared + "/data/real/r1v-eval/superclevr_test200_counting_problems.jsonl") as f:
    question = json.loads(f.readline())["question"]
processor = json.load(open(shared + "/fixtures/qwen2vl-hf/image-processor.json"))
cases = []
for setting in ("default", "small"):
    entry = processor["images"]["superCLEVR_new_000000.png"][setting]
    grid = entry["grid_thw"]
    tokens = grid[0] * grid[1] * grid[2] // 4
    user = [{"type": "image"}, {"type": "text", "text": R1V_TEMPLATE.format(question=question)}]
    prompt = template.render(messages=[{"role": "user", "content": user}], add_generation_prompt=True)
    prompt = prompt.replace("<|image_pad|>", "<|image_pad|>" * tokens)
    answer = "<think>I count the objects one by one.</think> <answer>4</answer>"
    full = template.render(messages=[{"role": "user", "content": user},
                                     {"role": "assistant", "content": answer}], add_generation_prompt=False)
    full = full.replace("<|image_pad|>", "<|image_pad|>" * tokens)
    cases.append({"setting": setting, "max_pixels": processor["settings"][setting]["max_pixels"], "grid_thw": grid, "image_tokens": tokens, "text": prompt,
                  "ids": tok.encode(prompt, add_special_tokens=False).ids, "answer": answer,
                  "conversation_ids": tok.encode(full, add_special_tokens=False).ids})
print(json.dumps({"made_by": "oracle.py: jinja2 " + jinja2.__version__ + ", tokenizers " + tokenizers.__version__,
                  "image": "superclevr-samples/superCLEVR_new_000000.png", "question": question, "cases": cases},
                 ensure_ascii=False))
