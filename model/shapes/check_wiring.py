"""A quick check (about 20 s, one thread) that the DiT's wiring follows the latent shape a model folder declares:
exports fresh modules of a 2.0-candidate shape (tc 2, 16 channels) with export.py's specs, then
- from_onnx.load_model reads model.json's temporalCompression and latentChannels, builds those shapes and gets
  every weight back;
- from_onnx.warm_start copies that model's text encoder and DiT into a DiT of another shape (8 channels) and its
  moving-average copy, all but the in_c-shaped tensors (the patch embed's weight, the output layer);
- the DiT's "progress" temporal positions come back from model.json, and the exported graph computes them for
  latent lengths it was not traced at (export.verify_in_node: T 2, 3 and 20 in onnxruntime-node against torch);
- a deeper DiT (--dit-depth 8) warm-started from that model computes its function bit for bit (the appended blocks
  are the identity), and a depth-8 export comes back with its depth;
- a 1x1-patch DiT (--dit-patch 1) warm-started from that model computes the cell means of its output on a latent
  constant over 2x2 cells (from_onnx.patch_1x1), and a 1x1 export comes back with its patch and runs in node;
- a DiT with the refining head (--dit-head conv) warm-started from that model computes its function bit for bit,
  and its export comes back with its head and runs in node.

  nice -n 19 /usr/bin/python3 model/shapes/check_wiring.py
"""
import json
import os
import sys
import tempfile

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from types import SimpleNamespace  # noqa: E402

from export import export_onnx, round_fp16, verify_in_node, write_manifest  # noqa: E402
from from_onnx import load_model, warm_start  # noqa: E402
from nets import DiT, Decoder, Encoder, TextEncoder  # noqa: E402


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tc, lc = 2, 16
    mods = Encoder(tc=tc, latent_c=lc), Decoder(tc=tc, latent_c=lc), TextEncoder(), DiT(in_c=lc, positions="progress", tc=tc)
    with torch.no_grad():  # non-zero everywhere (the DiT's adaLN and output start at zero)
        for m in mods:
            for p in m.parameters():
                p.add_(torch.randn(p.shape) * 0.01)
    round_fp16(*mods)  # the files store float16
    with tempfile.TemporaryDirectory() as d:
        export_onnx(d, *mods)
        write_manifest(d, 3.0, "check", tc=tc, latent_c=lc, positions="progress")
        enc, dec, te, dit = load_model(d)
        assert (enc.tc, enc.lc, dec.tc, dec.lc, dit.in_c) == (tc, lc, tc, lc, lc), (enc.tc, enc.lc, dit.in_c)
        assert (dit.positions, dit.tc) == ("progress", tc), (dit.positions, dit.tc)
        parity = verify_in_node(SimpleNamespace(work=d, out=d), *mods)  # raises past 1e-3
        assert any(k.startswith("denoiser.onnx") and "x20x" in k for k in parity), parity
        for a, b in zip(mods, (enc, dec, te, dit)):
            for k, v in a.state_dict().items():
                assert torch.equal(v, b.state_dict()[k]), k
        te8, dit8, ema_te8, ema_dit8 = TextEncoder(), DiT(in_c=8), TextEncoder(), DiT(in_c=8)
        r = warm_start(d, te8, dit8, [(ema_te8, ema_dit8)])
    assert r["skipped"] == ["dit.embed.weight", "dit.out.weight", "dit.out.bias"], r["skipped"]
    assert r["from_latent"] == dict(tc=tc, latent_c=lc)
    for prefix, src, dsts in (("te", mods[2], (te8, ema_te8)), ("dit", mods[3], (dit8, ema_dit8))):
        for k, v in src.state_dict().items():
            for dst in dsts:
                w = dst.state_dict()[k]
                if f"{prefix}.{k}" in r["copied"]:
                    assert torch.equal(v, w), k
                else:
                    assert v.shape != w.shape, k
    appended = check_deeper(mods, tc, lc)
    finer = check_finer(mods, tc, lc)
    head_fresh = check_head(mods, tc, lc)
    print(json.dumps(dict(ok=True, copied=r["copied_count"], copied_params=r["copied_params"], skipped=r["skipped"], parity=parity,
                          appended_blocks=appended, finer_max_error=finer, head_fresh=head_fresh)))


def check_deeper(mods, tc, lc, depth=8):
    """--dit-depth: warm_start into a deeper DiT appends blocks that are the identity at first (the outputs of the
    source's function, bit for bit, in the weights and the moving-average copy), and a deeper export comes back
    with its depth from model.json."""
    r, back = check_same_start(mods, tc, lc, dict(depth=depth), seed=1)
    assert r["appended_blocks"] == list(range(len(mods[3].blocks), depth)), r["appended_blocks"]
    assert len(back.blocks) == depth, len(back.blocks)
    return r["appended_blocks"]


def check_head(mods, tc, lc):
    """--dit-head conv: warm_start into a DiT with the refining head computes the source's function bit for bit (the
    head's last convolution starts at zero; its other tensors are the report's only fresh ones), and a conv-head export
    comes back with its head from model.json and runs in node; a warm start from it into a plain DiT is refused."""
    r, back = check_same_start(mods, tc, lc, dict(head="conv"), seed=3, in_node=True)
    assert r["skipped"] and all(n.startswith("dit.refine.") for n in r["skipped"]), r["skipped"]
    assert back.head == "conv" and back.refine is not None, back.head
    with tempfile.TemporaryDirectory() as d:  # and a headed snapshot does not lose its head to a plain DiT
        export_onnx(d, mods[0], mods[1], mods[2], back)
        write_manifest(d, 3.0, "check", tc=tc, latent_c=lc, positions="progress", head="conv")
        try:
            warm_start(d, TextEncoder(), DiT(in_c=lc, positions="progress", tc=tc))
        except ValueError as e:
            assert "--dit-head" in str(e), e
        else:
            raise AssertionError("a conv-head snapshot warm-started a linear-head DiT: its head was dropped")
    return r["skipped"]


def check_same_start(mods, tc, lc, shape, seed, in_node=False):
    """A DiT of another `shape` (DiT keywords) warm-started from `mods`' export computes its function bit for bit, in
    the weights and the moving-average copy; once its weights have moved a little (its new parts no longer the
    identity), its export comes back tensor for tensor (and, `in_node`, runs in onnxruntime-node like torch). -> (warm-start report,
    the DiT read back)."""
    with tempfile.TemporaryDirectory() as d:
        export_onnx(d, *mods)
        write_manifest(d, 3.0, "check", tc=tc, latent_c=lc, positions="progress")
        _, _, te, dit = load_model(d)
        other = [(TextEncoder(), DiT(in_c=lc, positions="progress", tc=tc, **shape)) for _ in range(2)]
        r = warm_start(d, *other[0], [other[1]])
    g = torch.Generator().manual_seed(seed)
    x, t = torch.randn(2, lc, 3, 8, 14, generator=g), torch.tensor([0.9, 0.3])
    ids, mask = torch.randint(3, 259, (2, 12), generator=g), torch.ones(2, 12, dtype=torch.int32)
    with torch.no_grad():
        want = dit(x, t, te(ids), mask)
        assert want.abs().max() > 0.05, "the source DiT's output is ~0: the check would pass on anything"
        for te_o, dit_o in other:
            assert torch.equal(dit_o(x, t, te_o(ids), mask), want), f"{shape}: the warm start is not the source's function"
        for p in other[0][1].parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.01)
        assert not torch.equal(other[0][1](x, t, te(ids), mask), want), f"{shape}: perturbed weights compute the same"
    round_fp16(other[0][1])
    with tempfile.TemporaryDirectory() as d:
        export_onnx(d, mods[0], mods[1], *other[0])
        write_manifest(d, 3.0, "check", tc=tc, latent_c=lc, positions="progress", depth=len(other[0][1].blocks),
                       head=other[0][1].head)
        back = load_model(d)[3]
        if in_node:
            verify_in_node(SimpleNamespace(work=d, out=d), mods[0], mods[1], *other[0])  # raises past 1e-3
    for k, v in other[0][1].state_dict().items():
        assert torch.equal(v, back.state_dict()[k]), k
    return r, back


def check_finer(mods, tc, lc):
    """--dit-patch 1 from a 2x2 snapshot (from_onnx.patch_1x1): on a latent constant over each 2x2 cell, the 1x1 DiT
    (weights and moving-average copy) outputs the cell means of the 2x2 DiT's output, to float rounding (the token
    count and the softmax's sums change); and a 1x1 export comes back with its patch from model.json. -> the largest
    difference."""
    with tempfile.TemporaryDirectory() as d:
        export_onnx(d, *mods)
        write_manifest(d, 3.0, "check", tc=tc, latent_c=lc, positions="progress")
        _, _, te, dit = load_model(d)
        fine = [(TextEncoder(), DiT(in_c=lc, positions="progress", tc=tc, patch=(1, 1, 1))) for _ in range(2)]
        warm_start(d, *fine[0], [fine[1]])
    g = torch.Generator().manual_seed(2)
    cells = torch.randn(2, lc, 3, 4, 7, generator=g)
    x = cells.repeat_interleave(2, 3).repeat_interleave(2, 4)  # constant over each 2x2 cell
    t = torch.tensor([0.9, 0.3])
    ids, mask = torch.randint(3, 259, (2, 12), generator=g), torch.ones(2, 12, dtype=torch.int32)
    with torch.no_grad():
        coarse = dit(x, t, te(ids), mask)
        want = F.avg_pool3d(coarse, (1, 2, 2)).repeat_interleave(2, 3).repeat_interleave(2, 4)
        assert want.abs().max() > 0.05, "the 2x2 DiT's output is ~0: the check would pass on anything"
        errors = [float((dit_f(x, t, te_f(ids), mask) - want).abs().max()) for te_f, dit_f in fine]
    assert max(errors) < 1e-4, f"the 1x1 DiT is not the 2x2 one's cell means: max error {max(errors)}"
    with torch.no_grad():
        for p in fine[0][1].parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.01)
    round_fp16(fine[0][1])
    with tempfile.TemporaryDirectory() as d:
        export_onnx(d, mods[0], mods[1], *fine[0])
        write_manifest(d, 3.0, "check", tc=tc, latent_c=lc, positions="progress", patch=1)
        back = load_model(d)[3]
        verify_in_node(SimpleNamespace(work=d, out=d), mods[0], mods[1], *fine[0])  # raises past 1e-3
    assert back.patch == (1, 1, 1), back.patch
    for k, v in fine[0][1].state_dict().items():
        assert torch.equal(v, back.state_dict()[k]), k
    return max(errors)


if __name__ == "__main__":
    main()
