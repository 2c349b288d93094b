# Makes bf16-seed.pt: a TorchScript module whose one parameter is a bfloat16 zero. DJL 0.36's JNI
# cannot name bfloat16 (see Bfloat16.java), so the PyTorch backend loads this module to obtain
# its first bfloat16 tensor and derives every other one from it. Run with any torch >= 2.0
# (the committed file was written by torch 2.13.0 and loads in DJL's libtorch 2.7.1):
#   python bf16-seed.py
import torch


class Seed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.seed = torch.nn.Parameter(torch.zeros(1, dtype=torch.bfloat16), requires_grad=False)

    def forward(self):
        return self.seed


torch.jit.save(torch.jit.script(Seed()), "bf16-seed.pt")
