#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The U-Net training step of bench-nn in PyTorch, for comparison.

Same architecture as core/nn/vt-unet.c with vt_unet_config_default()
(Jansson et al.: 6 strided 5x5 convs 16..512 with BN and leaky ReLU 0.2,
6 transposed convs with BN, ReLU, 50 % dropout in the first 3, skips,
sigmoid mask), L1 loss on mask * mix, Adam; same batch and thread count.
Prints `torch_step_ms: X` (best step) and `torch_step_mean_ms: X`.
"""
import argparse
import time

import torch
import torch.nn as nn


class UNet(nn.Module):
    def __init__(self, depth=6, base=16, kernel=5):
        super().__init__()
        pad = kernel // 2
        widths = [base << i for i in range(depth)]
        self.enc = nn.ModuleList()
        prev = 1
        for w in widths:
            self.enc.append(nn.Sequential(nn.Conv2d(prev, w, kernel, 2, pad), nn.BatchNorm2d(w),
                                          nn.LeakyReLU(0.2)))
            prev = w
        self.dec = nn.ModuleList()
        for level in range(depth - 1, -1, -1):
            index = depth - level
            out = 1 if level == 0 else widths[level - 1]
            cin = prev
            layers = [nn.ConvTranspose2d(cin, out, kernel, 2, pad, output_padding=1)]
            if level > 0:
                layers += [nn.BatchNorm2d(out), nn.ReLU()]
                if index <= 3:
                    layers.append(nn.Dropout(0.5))
                prev = 2 * out
            self.dec.append(nn.Sequential(*layers))

    def forward(self, x):
        skips = []
        h = x
        for e in self.enc:
            h = e(h)
            skips.append(h)
        for i, d in enumerate(self.dec):
            h = d(h)
            level = len(self.dec) - 1 - i
            if level > 0:
                h = torch.cat([h, skips[level - 1]], 1)
        return torch.sigmoid(h)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = UNet()
    net.train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    x = torch.rand(args.batch, 1, args.height, args.width)
    t = 0.5 * torch.rand(args.batch, 1, args.height, args.width)
    times = []
    for step in range(args.steps + 1):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = torch.mean(torch.abs(net(x) * x - t))
        loss.backward()
        optimizer.step()
        elapsed = time.perf_counter() - start
        if step > 0:
            times.append(elapsed)
    print("torch_version: %s" % torch.__version__)
    print("torch_threads: %d" % torch.get_num_threads())
    print("torch_step_ms: %.1f" % (1e3 * min(times)))
    print("torch_step_mean_ms: %.1f" % (1e3 * sum(times) / len(times)))


if __name__ == "__main__":
    main()
