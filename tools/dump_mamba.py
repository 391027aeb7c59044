#!/usr/bin/env python3
"""Dump ssm-trace v1 activation traces from a Hugging Face Mamba model.

Runs a MambaForCausalLM (Mamba-1) or Mamba2ForCausalLM (Mamba-2, SSD)
checkpoint (a local folder or a Hugging Face id) over texts and writes, per
batch, one safetensors file in the ssm-trace v1 layout
(docs/trace-format.md): for every layer the mixer input, x, z, the SSM input
u, dt, B, C, y and the mixer output (Mamba-1), or the mixer input, z, xBC,
the SSM input x, B, C, dt, y, the gated norm's output and the mixer output
(Mamba-2), plus the tokens and the logits.

The mixer's intermediates are computed explicitly from the checkpoint's
weights (transformers' fallback path calls no submodules, so hooks see
nothing; for Mamba-2 the SSD is written out here in chunks, from its
definition); this forward is checked against the model's own logits and no
trace is written if they differ by more than --tolerance.

Memory stays bounded: the header is written first (every offset follows
from the shapes), then each layer's tensors as they are produced, into a
temporary file renamed into place only after the check.

  dump_mamba.py --model DIR_OR_ID --text FILE.jsonl --out 'trace-{batch}.safetensors'

PyTorch and transformers are needed for dumping only; the argument checks,
text loading and the safetensors writer are plain Python (tested without
them in tests/io/test_dump_mamba.py).
"""
import argparse
import json
import math
import os
import struct
import sys

ALL_TENSORS = ["mixer.in", "x", "z", "ssm.u", "ssm.dt", "ssm.B", "ssm.C", "ssm.y", "mixer.out"]
ALL_TENSORS2 = ["mixer.in", "z", "xBC", "ssm.x", "ssm.B", "ssm.C", "ssm.dt", "ssm.y", "norm.out",
                "mixer.out"]
EXTRA_TENSORS = ["tokens", "logits"]
DTYPES = {"f16": ("F16", 2), "f32": ("F32", 4)}


class DumpError(Exception):
    """A user error: printed without a traceback, exit code 1."""


# ---------------------------------------------------------------- arguments

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Dump ssm-trace v1 files from a Hugging Face Mamba-1 or Mamba-2 model.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", required=True, help="checkpoint folder or Hugging Face id")
    p.add_argument("--text", required=True, help="texts: .jsonl ({\"text\": ...} per line) or .txt")
    p.add_argument("--first", type=int, default=0, help="index of the first text to use")
    p.add_argument("--samples", type=int, default=1, help="number of texts (sequences)")
    p.add_argument("--max-tokens", type=int, default=256, help="tokens per sequence (L)")
    p.add_argument("--batch", type=int, default=1, help="sequences per trace file")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="f16", help="activation dtype")
    p.add_argument("--tensors", default="all",
                   help="comma list of per-layer tensors (Mamba-1: " + ",".join(ALL_TENSORS) +
                        "; Mamba-2: " + ",".join(ALL_TENSORS2) +
                        ") and/or tokens,logits; 'all' for everything")
    p.add_argument("--out", required=True,
                   help="output file; '{batch}' is replaced by the batch index (needed when "
                        "there is more than one batch)")
    p.add_argument("--device", default="auto", help="cpu, cuda or auto")
    p.add_argument("--tolerance", type=float, default=1e-3,
                   help="max |logits - model logits| / max(1, |model logits|)")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    a = p.parse_args(argv)
    check_args(a)
    return a


def check_args(a):
    for name in ("samples", "max_tokens", "batch"):
        if getattr(a, name) < 1:
            raise DumpError(f"--{name.replace('_', '-')} = {getattr(a, name)}: expected >= 1")
    if a.first < 0:
        raise DumpError(f"--first = {a.first}: expected >= 0")
    if not (a.tolerance > 0):
        raise DumpError(f"--tolerance = {a.tolerance}: expected > 0")
    a.tensor_list = parse_tensors(a.tensors)
    n_batches = math.ceil(a.samples / a.batch)
    if n_batches > 1 and "{batch}" not in a.out:
        raise DumpError(f"--out {a.out}: {n_batches} batches need '{{batch}}' in the file name")
    if not a.text.endswith((".jsonl", ".txt")):
        raise DumpError(f"--text {a.text}: expected a .jsonl or .txt file")


def parse_tensors(spec, arch=None):
    """The tensors of --tensors; with arch ("mamba1", "mamba2") only that
    architecture's names, without it either's (the model is not read yet)."""
    per_layer = {"mamba1": ALL_TENSORS, "mamba2": ALL_TENSORS2}.get(arch)
    if spec == "all":
        return (per_layer or ALL_TENSORS) + EXTRA_TENSORS
    known = (per_layer or ALL_TENSORS + [t for t in ALL_TENSORS2 if t not in ALL_TENSORS]) + \
        EXTRA_TENSORS
    names = [s.strip() for s in spec.split(",") if s.strip()]
    bad = [n for n in names if n not in known]
    if bad or not names:
        what = f" for a {arch} model" if arch else ""
        raise DumpError(f"--tensors {spec}: unknown {bad}{what}; expected names from "
                        f"{','.join(known)}")
    return names


def out_path(pattern, batch_index):
    return pattern.replace("{batch}", str(batch_index))


# -------------------------------------------------------------------- texts

def load_texts(path, first, count):
    """The texts [first, first + count) of a .jsonl or .txt file."""
    if not os.path.exists(path):
        raise DumpError(f"{path}: no such file")
    texts = []
    with open(path, encoding="utf-8") as f:
        if path.endswith(".txt"):
            texts = [f.read()]
        else:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise DumpError(f"{path}:{n}: not JSON: {e}") from None
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                    raise DumpError(f"{path}:{n}: expected an object with a string 'text'")
                texts.append(obj["text"])
    if first + count > len(texts):
        raise DumpError(f"{path}: {len(texts)} text(s); --first {first} --samples {count} "
                        f"needs {first + count}")
    return texts[first:first + count]


def byte_tokens(text, length):
    """Byte-level tokens (vocab 256): the UTF-8 bytes of the text."""
    data = text.encode("utf-8")
    if len(data) < length:
        raise DumpError(f"a text has {len(data)} bytes, fewer than --max-tokens {length}")
    return list(data[:length])


# ------------------------------------------------------------------- writer

class TraceWriter:
    """Streams one safetensors file: header first, then tensors in the order
    they were declared. Written to PATH.tmp; commit() renames it."""

    def __init__(self, path, metadata, tensors, force=False):
        # tensors: list of (name, dtype, shape) in write order.
        if os.path.exists(path) and not force:
            raise DumpError(f"{path}: exists; pass --force to overwrite")
        self.path, self.tmp = path, path + ".tmp"
        self.order = [name for name, _, _ in tensors]
        self.sizes = {}
        header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
        offset = 0
        for name, dtype, shape in tensors:
            size = math.prod(shape) * {"F16": 2, "BF16": 2, "F32": 4, "I32": 4, "I8": 1}[dtype]
            header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
            self.sizes[name] = size
            offset += size
        text = json.dumps(header, separators=(",", ":"))
        text += " " * (-len(text) % 8)  # 8-byte alignment of the data
        d = os.path.dirname(os.path.abspath(path))
        os.makedirs(d, exist_ok=True)
        self.f = open(self.tmp, "wb")
        self.f.write(struct.pack("<Q", len(text)))
        self.f.write(text.encode("utf-8"))
        self.next = 0

    def write(self, name, data):
        """Writes the next tensor's little-endian bytes."""
        if self.next >= len(self.order) or self.order[self.next] != name:
            expected = self.order[self.next] if self.next < len(self.order) else "nothing"
            raise DumpError(f"{self.path}: wrote {name}, expected {expected}")
        if len(data) != self.sizes[name]:
            raise DumpError(f"{self.path}: {name} has {len(data)} bytes, expected {self.sizes[name]}")
        self.f.write(data)
        self.next += 1

    def commit(self):
        if self.next != len(self.order):
            raise DumpError(f"{self.path}: {len(self.order) - self.next} tensor(s) not written")
        self.f.close()
        os.replace(self.tmp, self.path)

    def abort(self):
        self.f.close()
        if os.path.exists(self.tmp):
            os.remove(self.tmp)


def _layout(cfg, batch, length, dtype, tensors, per_layer, width, default_width):
    """(name, dtype, shape) of every tensor, in the order the dump makes them."""
    out = []
    if "tokens" in tensors:
        out.append(("act.tokens", "I32", (batch, length)))
    for i in range(cfg["n_layer"]):
        for t in per_layer:
            if t in tensors:
                out.append((f"act.layers.{i}.{t}", dtype, (batch, length, width.get(t, default_width))))
    if "logits" in tensors:
        out.append(("act.logits", dtype, (batch, length, cfg["vocab_size"])))
    return out


def trace_layout(cfg, batch, length, dtype, tensors):
    """Mamba-1: (name, dtype, shape) of every tensor, in dump order."""
    D, dm, N = cfg["d_inner"], cfg["d_model"], cfg["d_state"]
    width = {"mixer.in": dm, "mixer.out": dm, "ssm.B": N, "ssm.C": N}
    return _layout(cfg, batch, length, dtype, tensors, ALL_TENSORS, width, D)


def trace_metadata(cfg, model_name, batch, length, dtype, tokenizer, source):
    return {"format": "ssm-trace", "version": 1, "arch": "mamba1", "model": model_name,
            "d_model": cfg["d_model"], "n_layer": cfg["n_layer"], "d_inner": cfg["d_inner"],
            "d_state": cfg["d_state"], "d_conv": cfg["d_conv"], "dt_rank": cfg["dt_rank"],
            "vocab_size": cfg["vocab_size"], "batch": batch, "seq_len": length,
            "act_dtype": dtype, "rms_norm_eps": cfg["eps"],
            "residual_in_fp32": "true" if cfg["residual_in_fp32"] else "false",
            "tokenizer": tokenizer, "source": source}


def trace_layout2(cfg, batch, length, dtype, tensors):
    """Mamba-2: (name, dtype, shape) of every tensor, in dump order."""
    D, dm, GN, H = cfg["d_inner"], cfg["d_model"], cfg["n_groups"] * cfg["d_state"], cfg["n_heads"]
    width = {"mixer.in": dm, "mixer.out": dm, "xBC": D + 2 * GN, "ssm.B": GN, "ssm.C": GN,
             "ssm.dt": H}
    return _layout(cfg, batch, length, dtype, tensors, ALL_TENSORS2, width, D)


def trace_metadata2(cfg, model_name, batch, length, dtype, tokenizer, source):
    return {"format": "ssm-trace", "version": 1, "arch": "mamba2", "model": model_name,
            "d_model": cfg["d_model"], "n_layer": cfg["n_layer"], "d_inner": cfg["d_inner"],
            "d_state": cfg["d_state"], "d_conv": cfg["d_conv"], "n_heads": cfg["n_heads"],
            "head_dim": cfg["head_dim"], "n_groups": cfg["n_groups"],
            "chunk_size": cfg["chunk_size"], "vocab_size": cfg["vocab_size"], "batch": batch,
            "seq_len": length, "act_dtype": dtype, "rms_norm_eps": cfg["eps"],
            "residual_in_fp32": "true" if cfg["residual_in_fp32"] else "false",
            "tokenizer": tokenizer, "source": source}


# ------------------------------------------------------------- the forward

def forward_mamba1(torch, F, model, cfg, ids, emit):
    """The Mamba-1 forward, layer by layer (the scan token by token);
    emit(name, tensor) per tensor. Returns its logits twice (to write, and
    for the check against the model's)."""
    B, L = ids.shape
    hidden = model.backbone.embeddings(ids)
    residual = None
    for i, layer in enumerate(model.backbone.layers):
        residual = hidden if residual is None else residual + hidden
        if cfg["residual_in_fp32"]:
            residual = residual.to(torch.float32)
        mix_in = layer.norm(residual)
        m = layer.mixer
        xz = m.in_proj(mix_in)
        x, z = xz.chunk(2, dim=-1)
        conv = m.conv1d(x.transpose(1, 2))[..., :L].transpose(1, 2)
        u = F.silu(conv)
        x_dbl = m.x_proj(u)
        dt_low, Bm, Cm = torch.split(x_dbl, [cfg["dt_rank"], cfg["d_state"], cfg["d_state"]], dim=-1)
        dt = m.dt_proj(dt_low)
        delta = F.softplus(dt)
        A = -torch.exp(m.A_log.float())
        h = torch.zeros(B, cfg["d_inner"], cfg["d_state"], device=ids.device)
        ys = []
        for t in range(L):
            dA = torch.exp(delta[:, t, :, None] * A)
            h = dA * h + (delta[:, t, :, None] * Bm[:, t, None, :]) * u[:, t, :, None]
            ys.append((h * Cm[:, t, None, :]).sum(-1))
        y = (torch.stack(ys, dim=1) + m.D * u) * F.silu(z)
        out = m.out_proj(y)
        for tname, val in (("mixer.in", mix_in), ("x", x), ("z", z), ("ssm.u", u),
                           ("ssm.dt", dt), ("ssm.B", Bm), ("ssm.C", Cm), ("ssm.y", y),
                           ("mixer.out", out)):
            emit(f"act.layers.{i}.{tname}", val)
        hidden = out
    residual = residual + hidden
    logits = model.lm_head(model.backbone.norm_f(residual.to(model.backbone.norm_f.weight.dtype)))
    return logits, logits


def ssd_chunked(torch, x, delta, A, Bm, Cm, D, chunk):
    """The SSD from its definition, in chunks: x [b, L, H, P], delta [b, L, H]
    (after softplus), A/D [H], B/C [b, L, G, N] -> y [b, L, H, P] (with D x).
    Per chunk: the intra-chunk C.B^T with the decay mask, the contribution of
    the state entering the chunk, then that state carried to the next."""
    b, L, H, P = x.shape
    G, N = Bm.shape[2], Bm.shape[3]
    Bh = Bm.repeat_interleave(H // G, dim=2)  # head h reads group h / (H / G)
    Ch = Cm.repeat_interleave(H // G, dim=2)
    S = x.new_zeros(b, H, P, N)
    ys = []
    for c0 in range(0, L, chunk):
        c1 = min(L, c0 + chunk)
        T = c1 - c0
        dl, xc, Bc, Cc = delta[:, c0:c1], x[:, c0:c1], Bh[:, c0:c1], Ch[:, c0:c1]
        acum = torch.cumsum(dl * A, dim=1)  # [b, T, H]
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
        diff = (acum[:, :, None, :] - acum[:, None, :, :]).masked_fill(
            ~mask[None, :, :, None], float("-inf"))
        M = torch.einsum("bthn,bshn->btsh", Cc, Bc) * torch.exp(diff) * dl[:, None, :, :]
        y = torch.einsum("btsh,bshp->bthp", M, xc)
        y = y + torch.exp(acum)[..., None] * torch.einsum("bthn,bhpn->bthp", Cc, S)
        w = torch.exp(acum[:, -1:, :] - acum) * dl  # [b, T, H]
        S = torch.exp(acum[:, -1])[:, :, None, None] * S + \
            torch.einsum("bth,bthp,bthn->bhpn", w, xc, Bc)
        ys.append(y + D[None, None, :, None] * xc)
    return torch.cat(ys, dim=1)


def forward_mamba2(torch, F, model, cfg, ids, emit):
    """Mamba-2: the model's own forward (transformers' chunked path) is what
    is dumped: hooks on its in_proj, gated norm (input ssm.y, output
    norm.out), out_proj and block norm, and x, B, C as its conv1d + SiLU
    makes them from the hooked xBC (a function there, not a module); the
    explicit forward from the SSD's definition (ssd_chunked) checks it, layer
    by layer (ssm.y within --tolerance of its largest value). emit(name,
    tensor) per tensor, in trace order. Returns the logits to write (the
    model's) and the explicit forward's, for the check against the model's."""
    B, L = ids.shape
    D, H, P = cfg["d_inner"], cfg["n_heads"], cfg["head_dim"]
    G, N = cfg["n_groups"], cfg["d_state"]
    seen = [dict() for _ in model.backbone.layers]
    hooks = []

    def keep(i, what):
        def hook(mod, inputs, output):
            if what == "norm":
                seen[i]["ssm.y"], seen[i]["norm.out"] = inputs[0], output
            elif what == "in_proj":
                seen[i]["z"], seen[i]["xBC"], seen[i]["ssm.dt"] = torch.split(
                    output, [D, D + 2 * G * N, H], dim=-1)
            else:
                seen[i][what] = output
        return hook
    for i, layer in enumerate(model.backbone.layers):
        m = layer.mixer
        for mod, what in ((layer.norm, "mixer.in"), (m.in_proj, "in_proj"), (m.norm, "norm"),
                          (m.out_proj, "mixer.out")):
            hooks.append(mod.register_forward_hook(keep(i, what)))
    try:
        own = model(ids).logits
    finally:
        for h in hooks:
            h.remove()
    # The explicit forward, end to end from the embeddings.
    hidden = model.backbone.embeddings(ids)
    residual = None
    for i, layer in enumerate(model.backbone.layers):
        got = seen[i]
        if "xBC" in got:
            conv = F.silu(layer.mixer.conv1d(got["xBC"].transpose(1, 2))[..., :L].transpose(1, 2))
            got["ssm.x"], got["ssm.B"], got["ssm.C"] = torch.split(conv, [D, G * N, G * N], dim=-1)
        missing = [t for t in ALL_TENSORS2 if t not in got]
        if missing:
            raise DumpError(f"layer {i}: the model's forward did not pass {missing} through "
                            "the submodules the dumper hooks (a fused kernel path?)")
        residual = hidden if residual is None else residual + hidden
        if cfg["residual_in_fp32"]:
            residual = residual.to(torch.float32)
        mix_in = layer.norm(residual)
        m = layer.mixer
        proj = m.in_proj(mix_in)
        z, xBC, dt = torch.split(proj, [D, D + 2 * G * N, H], dim=-1)
        conv = F.silu(m.conv1d(xBC.transpose(1, 2))[..., :L].transpose(1, 2))
        x, Bm, Cm = torch.split(conv, [D, G * N, G * N], dim=-1)
        lo, hi = cfg["dt_limit"]
        delta = torch.clamp(F.softplus(dt + m.dt_bias), lo, hi)
        A = -torch.exp(m.A_log.float())
        y = ssd_chunked(torch, x.reshape(B, L, H, P), delta, A, Bm.reshape(B, L, G, N),
                        Cm.reshape(B, L, G, N), m.D, cfg["chunk_size"]).reshape(B, L, D)
        # transformers' gated RMSNorm: v = y SiLU(z), normalised over d_inner.
        v = y * F.silu(z)
        normed = m.norm.weight * (v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) +
                                                  m.norm.variance_epsilon))
        out = m.out_proj(normed)
        err = ((y - got["ssm.y"]).abs().max() / got["ssm.y"].abs().max()).item()
        if not err <= cfg["tolerance"]:
            raise DumpError(f"layer {i}: the explicit SSD differs from the model's ssm.y by "
                            f"{err:.3g} of its largest value (> --tolerance "
                            f"{cfg['tolerance']}); no trace written")
        for t in ALL_TENSORS2:
            emit(f"act.layers.{i}.{t}", got[t])
        hidden = out
    residual = residual + hidden
    explicit = model.lm_head(model.backbone.norm_f(residual.to(model.backbone.norm_f.weight.dtype)))
    return own, explicit


def dump(a):
    try:
        import torch
        import torch.nn.functional as F
        from transformers import AutoConfig, Mamba2ForCausalLM, MambaForCausalLM
    except ImportError as e:
        raise DumpError(f"dumping needs PyTorch and transformers ({e}); "
                        "see docs/traces.md") from None

    device = a.device if a.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    # fp32 means fp32: TF32 (on by default for cuDNN convolutions) would cost
    # ~1e-3 relative accuracy, far more than the F16 rounding of the trace.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    arch = "mamba2" if AutoConfig.from_pretrained(a.model).model_type == "mamba2" else "mamba1"
    a.tensor_list = parse_tensors(a.tensors, arch)
    cls = Mamba2ForCausalLM if arch == "mamba2" else MambaForCausalLM
    model = cls.from_pretrained(a.model, torch_dtype=torch.float32).to(device).eval()
    c = model.config
    cfg = {"d_model": c.hidden_size, "n_layer": c.num_hidden_layers, "d_state": c.state_size,
           "d_conv": c.conv_kernel, "vocab_size": c.vocab_size, "eps": c.layer_norm_epsilon,
           "residual_in_fp32": bool(getattr(c, "residual_in_fp32", True))}
    if arch == "mamba2":
        cfg.update({"d_inner": c.num_heads * c.head_dim, "n_heads": c.num_heads,
                    "head_dim": c.head_dim, "n_groups": c.n_groups, "chunk_size": c.chunk_size,
                    "dt_limit": tuple(getattr(c, "time_step_limit", (0.0, float("inf"))))})
        cfg["tolerance"] = a.tolerance
        layout, metadata = trace_layout2, trace_metadata2
    else:
        cfg.update({"d_inner": c.intermediate_size, "dt_rank": c.time_step_rank})
        layout, metadata = trace_layout, trace_metadata
    texts = load_texts(a.text, a.first, a.samples)
    if cfg["vocab_size"] == 256:
        tokenizer, tok = "bytes", lambda t: byte_tokens(t, a.max_tokens)
    else:
        from transformers import AutoTokenizer
        hf_tok = AutoTokenizer.from_pretrained(a.model)
        tokenizer = type(hf_tok).__name__

        def tok(t):
            ids = hf_tok(t)["input_ids"]
            if len(ids) < a.max_tokens:
                raise DumpError(f"a text has {len(ids)} tokens, fewer than --max-tokens {a.max_tokens}")
            return ids[:a.max_tokens]
    torch_dtype = {"f16": torch.float16, "f32": torch.float32}[a.dtype]
    name = os.path.basename(os.path.normpath(a.model))

    def to_bytes(t):
        return t.detach().to(torch_dtype).contiguous().cpu().numpy().tobytes()

    written = []
    for bi in range(math.ceil(a.samples / a.batch)):
        chunk = texts[bi * a.batch:(bi + 1) * a.batch]
        ids = torch.tensor([tok(t) for t in chunk], dtype=torch.long, device=device)
        B, L = ids.shape
        path = out_path(a.out, bi)
        source = f"{os.path.basename(a.text)} texts {a.first + bi * a.batch}..{a.first + bi * a.batch + B - 1}, first {L} tokens"
        w = TraceWriter(path, metadata(cfg, name, B, L, DTYPES[a.dtype][0], tokenizer, source),
                        layout(cfg, B, L, DTYPES[a.dtype][0], a.tensor_list), a.force)
        try:
            with torch.no_grad():
                if "tokens" in a.tensor_list:
                    w.write("act.tokens", ids.to(torch.int32).cpu().numpy().tobytes())

                def emit(tname, val):
                    if tname.split(".", 3)[-1] in a.tensor_list:
                        w.write(tname, to_bytes(val))
                fwd = forward_mamba2 if arch == "mamba2" else forward_mamba1
                logits, explicit = fwd(torch, F, model, cfg, ids, emit)
                ref = model(ids).logits
                err = ((explicit - ref).abs() / ref.abs().clamp(min=1.0)).max().item()
                if not err <= a.tolerance:
                    raise DumpError(f"{path}: explicit forward differs from the model's logits by "
                                    f"{err:.3g} (> --tolerance {a.tolerance}); no trace written")
                if "logits" in a.tensor_list:
                    w.write("act.logits", to_bytes(logits))
            w.commit()
        except BaseException:
            w.abort()
            raise
        written.append(path)
        print(f"wrote {path}: {B} x {L} tokens, logits match the model to {err:.2e}")
    return written


def main(argv=None):
    try:
        a = parse_args(sys.argv[1:] if argv is None else argv)
        dump(a)
    except DumpError as e:
        print(f"dump_mamba.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
