"""transformers' Qwen2-VL in bfloat16 on the shared fixture: TorchBfloat16OracleTest's reference.

Usage: python oracle.py FIXTURE_DIR FORWARD_JSON PIXELS_NPY OUT_JSON
Loads FIXTURE_DIR/qwen2vl-tiny-pub with dtype=torch.bfloat16 and eager attention (CPU, one
thread), runs the forward file's prompt and image, and writes the logits (bfloat16, widened
to float32) and the greedy tokens of 8 steps with the KV cache.
"""
import json
import sys

import numpy as np
import torch
from transformers import Qwen2VLForConditionalGeneration

torch.set_num_threads(1)
fixture, forward, pixels_file, out = sys.argv[1:5]
case = json.load(open(f"{fixture}/{forward}"))
model = Qwen2VLForConditionalGeneration.from_pretrained(
    f"{fixture}/qwen2vl-tiny-pub", dtype=torch.bfloat16, attn_implementation="eager").eval()
ids = torch.tensor([case["input_ids"]])
inputs = dict(input_ids=ids, attention_mask=torch.ones_like(ids),
              pixel_values=torch.from_numpy(np.load(f"{fixture}/{pixels_file}")).to(torch.bfloat16),
              image_grid_thw=torch.tensor([case["image_grid_thw"]]))
if "mm_token_type_ids" in case:
    inputs["mm_token_type_ids"] = torch.tensor([case["mm_token_type_ids"]])
with torch.no_grad():
    logits = model(**inputs).logits[0].float()
    generated = model.generate(**inputs, do_sample=False, max_new_tokens=8)
json.dump({"torch": torch.__version__, "logits": logits.tolist(),
           "greedy": generated[0, ids.shape[1]:].tolist()}, open(out, "w"))
