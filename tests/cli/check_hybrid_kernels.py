#!/usr/bin/env python3
"""A hybrid run's attention and expert kernels, as the units counted them in
run.json, against the closed forms (docs/hybrid.md):

  check_hybrid_kernels.py RUN_DIR

With A attention layers of H query heads and K kv heads of h dims, batch b,
a prompt of P tokens in tiles of t, and S decode steps:

- attn_scores and attn_pv MACs: prefill A * sum over tiles of
  b H T_i h (first_i + T_i) (every query against every key so far, the
  diagonal block whole); decode A * sum over steps of b H h (P + s + 1);
- the decode KV cache reads (cache in DRAM): A * sum_s b (P + s + 1) K h 2
  bytes for the keys, as many for the values: they grow with the context;
- kv_append's decode writes: A S b 2 K h 2 bytes;
- in_proj MACs: every SSM layer's, a parallel layer's (P) included:
  (M + P) b P d_model n_in in prefill, (M + P) S b d_model n_in in decode,
  n_in = 2 D (Mamba-1) or 2 D + 2 G N + D / head_dim (Mamba-2);
- a shared block's invocations (G): lora_a and lora_b MACs, G b P d_model r
  and G b P r d_ff (2 if gated) in prefill, and the shared q/k/v
  projection over [hidden, embedding], G b P 2 d_model (H + 2K) h;
- MoE: the expert GEMMs' MACs are on the rows routed, every token's top_k
  (E_moe b P top_k d_model d_ff (2 for SwiGLU) for expert_up in prefill,
  E_moe S b top_k ... in decode), however the tokens spread over experts;
- every layer of run.json's `layers` has the kind its pattern says.
"""
import json
import os
import sys


def main(argv):
    d = argv[1]
    run = json.load(open(os.path.join(d, "run.json")))
    m = json.load(open(os.path.join(d, "run.workload.json")))
    model = m["model"]
    pattern = model["layer_pattern"]
    # Attention: its own layers, the parallel layers' half and the shared
    # blocks' invocations (each with its own KV cache).
    A, E = pattern.count("*") + pattern.count("P") + pattern.count("G"), pattern.count("E")
    ssm_layers = pattern.count("M") + pattern.count("P")
    H, K, h = model["attn_heads"], model["attn_kv_heads"], model["attn_head_dim"]
    b, P, S = m["batch"], m["prefill_tokens"], m["decode_tokens"]
    t = run["memory_plan"]["tile_tokens"]
    k = {(x["kernel"], x["phase"]): x for x in run["kernels"]}
    checked = 0

    def expect(key, field, want):
        nonlocal checked
        got = k[key][field]
        assert got == want, f"{key} {field}: run.json {got}, closed form {want}"
        checked += 1

    tiles = [(f, min(t, P - f)) for f in range(0, P, t)]
    prefill = A * sum(b * H * T * h * (f + T) for f, T in tiles)
    decode = A * sum(b * H * h * (P + s + 1) for s in range(S))
    for kernel in ("attn_scores", "attn_pv"):
        if P:
            expect((kernel, "prefill"), "arith_ops", prefill)
        if S:
            expect((kernel, "decode"), "arith_ops", decode)
    if S and run["memory_plan"]["state_in"] == "dram" and run["memory_plan"]["decode_activations_in"] == "sram":
        cache = A * sum(b * (P + s + 1) * K * h * 2 for s in range(S))
        expect(("attn_scores", "decode"), "dram_read_bytes", cache)
        expect(("attn_pv", "decode"), "dram_read_bytes", cache)
        expect(("kv_append", "decode"), "dram_write_bytes", A * S * b * 2 * K * h * 2)
    dm = model["d_model"]
    D = model.get("d_inner", model.get("expand", 2) * dm)
    n_in = 2 * D
    if model.get("arch") == "mamba2":
        n_in += 2 * model["n_groups"] * model["d_state"] + D // model["head_dim"]
    if P:
        expect(("in_proj", "prefill"), "arith_ops", ssm_layers * b * P * dm * n_in)
    if S:
        expect(("in_proj", "decode"), "arith_ops", ssm_layers * S * b * dm * n_in)
    G = pattern.count("G")
    if G and P:
        r, F = model["shared_lora_rank"], model["mlp_d_ff"]
        gF = F * (1 if model["mlp_activation"] == "relu2" else 2)
        expect(("lora_a", "prefill"), "arith_ops", G * b * P * dm * r)
        expect(("lora_b", "prefill"), "arith_ops", G * b * P * r * gF)
        expect(("qkv_proj", "prefill"), "arith_ops", G * b * P * 2 * dm * (H + 2 * K) * h)
    if E:
        g = 2 if model["moe_activation"] == "swiglu" else 1
        top_k, F = model["moe_top_k"], model["moe_d_ff"]
        for phase, rows in (("prefill", b * P), ("decode", S * b)):
            if rows:
                expect(("expert_up", phase), "arith_ops", E * rows * top_k * dm * F * g)
                expect(("expert_down", phase), "arith_ops", E * rows * top_k * F * dm)
    # Every layer's report says its kind, as the pattern does.
    names = {"M": "ssm", "*": "attention", "-": "mlp", "E": "moe", "P": "parallel", "G": "shared"}
    kinds = [l["kind"] for l in run["layers"] if l["layer"] != "head"]
    assert kinds == [names[c] for c in pattern], f"layer kinds {kinds} != {pattern}"
    checked += 1
    assert checked >= 7, f"only {checked} figures checked"
    print(f"ok: {checked} attention/expert figures equal their closed forms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
