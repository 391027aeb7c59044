// The layer program of Mamba-2: every SSD kernel's work (MACs, element
// operations, state updates) and the bytes of each of its operands equal
// the closed-form counts written here from the SSD's definition, for every
// Mamba-2 preset, several chunk sizes, tiles that are and are not a
// multiple of the chunk, batches, and the w8a8 and fp16 datapaths.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/error.hpp"
#include "config/workload.hpp"
#include "lower/layers.hpp"

using namespace ssmsim;

namespace {

const char* kMamba2Models[] = {"mamba2-bytes-a", "mamba2-130m", "mamba2-370m",       "mamba2-780m",
                               "mamba2-1.3b",    "mamba2-2.7b", "mamba-codestral-7b"};

const ProgramOp& find(const BlockProgram& p, Op op) {
  for (const ProgramOp& o : p.layer) {
    if (o.cmd.op == op) return o;
  }
  throw std::runtime_error(std::string("no ") + op_name(op) + " in the program");
}

bool has(const BlockProgram& p, Op op) {
  for (const ProgramOp& o : p.layer) {
    if (o.cmd.op == op) return true;
  }
  return false;
}

uint64_t macs(const ProgramOp& o) {
  return static_cast<uint64_t>(o.cmd.count * o.cmd.m * o.cmd.n * o.cmd.k);
}

uint64_t in_bytes(const ProgramOp& o) {
  uint64_t b = 0;
  for (const RegionRef& r : o.in) b += r.bytes;
  return b;
}

}  // namespace

TEST(Mamba2Program, SsdKernelsMatchTheirClosedForms) {
  for (const char* name : kMamba2Models) {
    ModelDims d = load_model_preset(name);
    // Closed forms in the paper's letters: batch b, tokens T, heads H,
    // head dim P, groups G, state N, chunk Q (at most T), chunks c.
    const uint64_t H = d.n_heads, P = d.head_dim, G = d.n_groups, N = d.d_state;
    const uint64_t Din = H * P;
    for (int64_t chunk : {16, 64, 256}) {
      d.chunk_size = chunk;
      for (int64_t tokens : {1, 100, 256, 512}) {
        for (int64_t batch : {1, 3}) {
          for (bool fp16 : {false, true}) {
            for (bool se : {false, true}) {
              ProgramShape s;
              s.tokens = tokens;
              s.batch = batch;
              s.fp16 = fp16;
              s.hadamard_size = d.d_inner;
              const uint64_t e = fp16 ? 2 : 1;
              s.bytes = {e, e, e, se && !fp16};
              const std::string what = std::string(name) + " chunk " + std::to_string(chunk) +
                                       " tokens " + std::to_string(tokens) + " batch " +
                                       std::to_string(batch) + (fp16 ? " fp16" : " w8a8") +
                                       (se ? " se" : "");
              const uint64_t b = batch, T = tokens, R = b * T;
              const uint64_t Q = std::min<uint64_t>(chunk, T), c = (T + Q - 1) / Q;
              const uint64_t x_bytes = fp16 ? R * Din * 2 : R * Din + (se ? (R * Din + 7) / 8 : 0);
              const uint64_t bc_bytes = R * G * N * e;  // B or C alone
              for (bool decode : {false, true}) {
                if (decode && tokens != 1) continue;
                s.decode = decode;
                const BlockProgram p = build_program(d, s);
                EXPECT_EQ(has(p, Op::kSsmInQuant), !fp16) << what;
                EXPECT_EQ(has(p, Op::kBcQuant), !fp16) << what;
                EXPECT_EQ(has(p, Op::kHadamard), !fp16) << what;
                const ProgramOp& cs = find(p, Op::kChunkCumsum);
                EXPECT_EQ(static_cast<uint64_t>(cs.cmd.elements), R * H) << what;
                const ProgramOp& in = find(p, Op::kInProj);
                EXPECT_EQ(macs(in), R * d.d_model * (2 * Din + 2 * G * N + H)) << what;
                if (decode) {
                  EXPECT_FALSE(has(p, Op::kBmmChunk)) << what;
                  const ProgramOp& st = find(p, Op::kSsdStep);
                  EXPECT_EQ(st.unit, Unit::kScan);
                  // One update per (sequence, head, head dim, state).
                  EXPECT_EQ(static_cast<uint64_t>(st.cmd.channels * st.cmd.d_state * st.cmd.tokens),
                            b * H * P * N)
                      << what;
                  EXPECT_EQ(st.state.bytes, b * Din * N * e) << what;
                  continue;
                }
                EXPECT_FALSE(has(p, Op::kSsdStep)) << what;
                // bmm_chunk: C B^T, Q x Q per (sequence, group, chunk), K = N.
                const ProgramOp& bmm = find(p, Op::kBmmChunk);
                EXPECT_EQ(macs(bmm), b * G * c * Q * Q * N) << what;
                EXPECT_EQ(in_bytes(bmm), bc_bytes) << what;
                EXPECT_EQ(bmm.weight.bytes, bc_bytes) << what;
                EXPECT_EQ(bmm.out.bytes, b * G * c * Q * Q * 2) << what;
                EXPECT_EQ(bmm.cmd.fp16_operands, fp16) << what;
                // ssd_decay: mask (Q x Q) and decayed C (Q x N) per head and
                // chunk, decayed x (Q x d_inner) per chunk.
                const ProgramOp& dec = find(p, Op::kSsdDecay);
                EXPECT_EQ(static_cast<uint64_t>(dec.cmd.elements), b * c * Q * (H * (Q + N) + Din))
                    << what;
                EXPECT_EQ(in_bytes(dec), b * G * c * Q * Q * 2 + R * H * 4 + bc_bytes + x_bytes)
                    << what;
                EXPECT_EQ(dec.out.bytes, b * c * Q * (H * (Q + N) + Din) * 2) << what;
                // chunk_state: P x N per (sequence, head, chunk), K = Q.
                const ProgramOp& st = find(p, Op::kChunkState);
                EXPECT_EQ(macs(st), b * H * c * P * N * Q) << what;
                EXPECT_EQ(in_bytes(st), b * c * Q * Din * 2) << what;
                EXPECT_EQ(st.weight.bytes, bc_bytes) << what;
                EXPECT_EQ(st.out.bytes, b * c * Din * N * 4) << what;
                // state_passing: one update per (sequence, head, P, N) per chunk.
                const ProgramOp& sp = find(p, Op::kStatePassing);
                EXPECT_EQ(sp.unit, Unit::kScan);
                EXPECT_EQ(static_cast<uint64_t>(sp.cmd.channels * sp.cmd.d_state * sp.cmd.steps),
                          b * c * H * P * N)
                    << what;
                // chunk_scan: Q x P per (sequence, head, chunk), K = Q + N.
                const ProgramOp& sc = find(p, Op::kChunkScan);
                EXPECT_EQ(macs(sc), b * H * c * Q * P * (Q + N)) << what;
                EXPECT_EQ(in_bytes(sc), b * H * c * Q * (Q + N) * 2 + b * c * Din * N * 4) << what;
                EXPECT_EQ(sc.weight.bytes, x_bytes) << what;
                EXPECT_EQ(sc.out.bytes, R * Din * 2) << what;
              }
            }
          }
        }
      }
    }
  }
}

// The chunk is a mapping choice: a larger chunk moves work from the scan
// unit's state passing to the GEMM's intra-chunk matmuls.
TEST(Mamba2Program, ChunkSizeTradesStatePassingForIntraChunkWork) {
  ModelDims d = load_model_preset("mamba2-130m");
  ProgramShape s;
  s.tokens = 1024;
  s.hadamard_size = d.d_inner;
  uint64_t last_scan = UINT64_MAX, last_passes = 0;
  for (int64_t chunk : {32, 64, 128, 256, 512}) {
    d.chunk_size = chunk;
    const BlockProgram p = build_program(d, s);
    const uint64_t intra = macs(find(p, Op::kChunkScan));
    const ProgramOp& sp = find(p, Op::kStatePassing);
    const auto passes = static_cast<uint64_t>(sp.cmd.steps);
    if (last_scan != UINT64_MAX) {
      EXPECT_GT(intra, last_scan) << chunk;
      EXPECT_LT(passes, last_passes) << chunk;
    }
    last_scan = intra;
    last_passes = passes;
  }
}

// Layer weights of a Mamba-2 layer add up to its parameters' bytes.
TEST(Mamba2Program, LayerWeightsAreTheLayersParameters) {
  for (const char* name : kMamba2Models) {
    const ModelDims d = load_model_preset(name);
    const LayerWeights w1 = layer_weights(d, 1);
    const LayerWeights w2 = layer_weights(d, 2);
    // INT8 vs fp16 GEMM weights differ by exactly the GEMM weights' count.
    const uint64_t gemm =
        static_cast<uint64_t>(d.d_model) *
        static_cast<uint64_t>(2 * d.d_inner + 2 * d.n_groups * d.d_state + d.n_heads + d.d_inner);
    EXPECT_EQ(w2.total() - w1.total(), gemm) << name;
    EXPECT_EQ(w1.x_proj + w1.dt_proj, 0u) << name;
    const int64_t head = d.vocab_size * d.d_model + d.d_model;
    const int64_t per_layer =
        (d.parameters() - head - (d.tie_word_embeddings ? 0 : d.vocab_size * d.d_model)) /
        d.n_layer;
    // fp16 non-GEMM parameters (norms, conv) and fp32 per-head ones.
    EXPECT_EQ(static_cast<int64_t>(w2.total()) - 2 * per_layer, 2 * (3 * d.n_heads)) << name;
  }
}

// Hybrids: the attention, MLP and MoE layers' kernels against the closed
// forms of grouped-query attention over a KV cache (b sequences, T tokens
// after c earlier ones, H query heads of h dims, K kv heads), the
// feed-forward and the expected expert routing.
namespace {

uint64_t weight_bytes_of(const BlockProgram& p) {
  uint64_t b = 0;
  for (const ProgramOp& o : p.layer) {
    if (o.weight.region == Region::kWeights) b += o.weight.bytes;
  }
  return b;
}

int64_t first_layer(const ModelDims& d, LayerKind k) {
  for (int64_t l = 0; l < d.n_layer; ++l) {
    if (d.layer_kind(l) == k) return l;
  }
  return -1;
}

}  // namespace

TEST(HybridProgram, AttentionKernelsMatchTheirClosedForms) {
  int checked = 0;
  for (const char* name : {"nemotron-h-8b", "jamba-1.5-mini"}) {
    const ModelDims d = load_model_preset(name);
    const uint64_t H = d.attn_heads, K = d.attn_kv_heads, h = d.attn_head_dim, dm = d.d_model;
    const int64_t layer = first_layer(d, LayerKind::kAttention);
    ASSERT_GE(layer, 0) << name;
    for (bool decode : {false, true}) {
      for (int64_t tokens : {64, 100}) {
        const int64_t T = decode ? 1 : tokens;
        for (int64_t context : {0, 300}) {
          for (int64_t batch : {1, 3}) {
            for (bool fp16 : {false, true}) {
              ProgramShape s;
              s.tokens = T, s.batch = batch, s.decode = decode, s.fp16 = fp16;
              s.bytes = fp16 ? ElementBytes{2, 2, 2, false} : ElementBytes{1, 1, 1, true};
              s.context = context, s.kv_capacity = 1024;
              const BlockProgram p = build_layer_program(d, LayerKind::kAttention, s);
              const uint64_t b = batch, R = T * b, c = context + T, wb = s.bytes.weight,
                             ab = s.bytes.act;
              const std::string at = std::string(name) + " T=" + std::to_string(T) +
                                     " c=" + std::to_string(context) +
                                     " b=" + std::to_string(batch) + (fp16 ? " fp16" : " w8a8");
              const ProgramOp& qkv = find(p, Op::kQkvProj);
              EXPECT_EQ(macs(qkv), R * dm * (H + 2 * K) * h) << at;
              EXPECT_EQ(qkv.weight.bytes, dm * (H + 2 * K) * h * wb) << at;
              // The new keys and values, fp16, after the c earlier tokens.
              const ProgramOp& app = find(p, Op::kKvAppend);
              EXPECT_EQ(app.out.region, Region::kState) << at;
              EXPECT_EQ(app.out.bytes, R * 2 * K * h * 2) << at;
              EXPECT_EQ(app.out.offset, static_cast<uint64_t>(context) * b * 2 * K * h * 2) << at;
              EXPECT_EQ(in_bytes(app), R * 2 * K * h * ab) << at;
              // q k^T and P v: every query head against all c + T keys; each
              // key and value (of its kv head) read once per sequence.
              const ProgramOp& qk = find(p, Op::kAttnScores);
              EXPECT_EQ(macs(qk), b * H * T * h * c) << at;
              EXPECT_EQ(qk.weight.bytes, b * c * K * h * 2) << at;
              EXPECT_EQ(in_bytes(qk), R * H * h * ab) << at;
              EXPECT_EQ(qk.out.bytes, R * H * c * 2) << at;
              EXPECT_TRUE(qk.cmd.fp16_operands) << at;
              const ProgramOp& sm = find(p, Op::kAttnSoftmax);
              EXPECT_EQ(static_cast<uint64_t>(sm.cmd.elements), R * H * c) << at;
              const ProgramOp& pv = find(p, Op::kAttnPv);
              EXPECT_EQ(macs(pv), b * H * T * c * h) << at;
              EXPECT_EQ(pv.weight.bytes, b * c * K * h * 2) << at;
              EXPECT_EQ(pv.weight.offset, b * c * K * h * 2) << at;
              EXPECT_EQ(pv.out.bytes, R * H * h * ab) << at;
              const ProgramOp& o = find(p, Op::kOProj);
              EXPECT_EQ(macs(o), R * H * h * dm) << at;
              EXPECT_EQ(has(p, Op::kRope), d.attn_rope) << at;
              EXPECT_EQ(weight_bytes_of(p), layer_weight_bytes(d, layer, wb)) << at;
              ++checked;
            }
          }
        }
      }
    }
    ProgramShape s;
    s.tokens = 64, s.context = 1000, s.kv_capacity = 1024;
    EXPECT_THROW(build_layer_program(d, LayerKind::kAttention, s), Error) << name;
  }
  EXPECT_EQ(checked, 2 * 2 * 2 * 2 * 2 * 2);
}

TEST(HybridProgram, MlpAndExpertKernelsMatchTheirClosedForms) {
  const ModelDims n = load_model_preset("nemotron-h-8b");
  const ModelDims j = load_model_preset("jamba-1.5-mini");
  for (int64_t rows : {1, 3, 64}) {
    ProgramShape s;
    s.tokens = rows;
    const uint64_t R = rows;
    // Nemotron-H's relu2 MLP: up, square, down.
    BlockProgram p = build_layer_program(n, LayerKind::kMlp, s);
    const uint64_t F = n.mlp_d_ff, dm = n.d_model;
    EXPECT_EQ(macs(find(p, Op::kFfnUp)), R * dm * F);
    EXPECT_EQ(macs(find(p, Op::kFfnDown)), R * F * dm);
    EXPECT_EQ(find(p, Op::kFfnAct).cmd.elements, rows * n.mlp_d_ff);
    EXPECT_EQ(weight_bytes_of(p), layer_weight_bytes(n, first_layer(n, LayerKind::kMlp), 1));
    // Jamba's SwiGLU experts, top 2 of 16: the experts the rows are
    // expected to use, E (1 - (1 - k/E)^R) rounded up: 2 for one token
    // (only the chosen experts' weights move), 6 for 3 (5.28), all 16 for 64.
    p = build_layer_program(j, LayerKind::kMoe, s);
    const uint64_t E = j.moe_experts, k = j.moe_top_k, Fe = j.moe_d_ff, jd = j.d_model;
    const int64_t used = rows == 1 ? 2 : rows == 3 ? 6 : 16;
    EXPECT_EQ(expected_experts(j, rows), used);
    const ProgramOp& up = find(p, Op::kExpertUp);
    const ProgramOp& down = find(p, Op::kExpertDown);
    EXPECT_EQ(up.cmd.count, used);
    EXPECT_EQ(up.cmd.m, (rows * 2 + used - 1) / used);
    EXPECT_EQ(up.weight.bytes, static_cast<uint64_t>(used) * jd * Fe * 2);  // gate and up
    EXPECT_EQ(down.weight.bytes, static_cast<uint64_t>(used) * Fe * jd);
    // Every routed row computed, padded to whole rows per used expert.
    EXPECT_GE(macs(up), R * k * jd * Fe * 2);
    EXPECT_LT(macs(up), (R * k + used) * jd * Fe * 2);
    EXPECT_EQ(macs(find(p, Op::kRouter)), R * jd * E);
    EXPECT_EQ(find(p, Op::kExpertCombine).cmd.elements, rows * 2 * j.d_model);
  }
  // The layer's weights: norm, router, all experts (not only the used ones).
  EXPECT_EQ(layer_weight_bytes(j, first_layer(j, LayerKind::kMoe), 1),
            4096 * 2 + 4096 * 16 + 16 * 3 * 4096 * 14336ull);
}

// Falcon-H1's parallel mixer: the SSM block's operations, then attention's
// without its pre-norm (both read the one norm's output); attention's
// weights follow the SSM's, its KV cache follows the SSM's state.
TEST(HybridProgram, ParallelLayerIsTheSsmThenAttentionOnOneNorm) {
  const ModelDims d = load_model_preset("falcon-h1-1.5b");
  const int64_t layer = first_layer(d, LayerKind::kParallel);
  ASSERT_EQ(layer, 0);
  EXPECT_EQ(d.layer_kind(1), LayerKind::kMlp);
  EXPECT_TRUE(d.has(LayerKind::kAttention));
  EXPECT_TRUE(d.has(LayerKind::kSsm));
  for (bool decode : {false, true}) {
    for (int64_t batch : {1, 2}) {
      ProgramShape s;
      s.tokens = decode ? 1 : 96, s.batch = batch, s.decode = decode;
      s.context = 200, s.kv_capacity = 512, s.head_tokens = 0;
      const BlockProgram p = build_layer_program(d, LayerKind::kParallel, s);
      const BlockProgram ssm = build_program(d, s);
      const BlockProgram attn = build_layer_program(d, LayerKind::kAttention, s);
      ASSERT_EQ(p.layer.size(), ssm.layer.size() + attn.layer.size() - 1);
      EXPECT_TRUE(p.head.empty());
      int norms = 0;
      for (const ProgramOp& o : p.layer) norms += o.cmd.op == Op::kRmsNorm;
      EXPECT_EQ(norms, 1);
      const ProgramOp& qkv = find(p, Op::kQkvProj);
      EXPECT_EQ(qkv.in[0].region, Region::kNorm);
      // Weights: the SSM block's, then attention's projections, back to back.
      const uint64_t ssm_w = layer_weights(d, 1).total();
      EXPECT_EQ(qkv.weight.offset, ssm_w);
      EXPECT_EQ(weight_bytes_of(p), layer_weight_bytes(d, layer, 1));
      EXPECT_EQ(
          layer_weight_bytes(d, layer, 1),
          ssm_w + static_cast<uint64_t>(d.layer_parameters(LayerKind::kAttention) - d.d_model));
      // State: the conv window and SSM state of each sequence, then the cache.
      const uint64_t b = static_cast<uint64_t>(batch);
      const ElementBytes e;
      const uint64_t ssm_state = b * (conv_state_bytes(d, e) + ssm_state_bytes(d, e));
      const ProgramOp& app = find(p, Op::kKvAppend);
      EXPECT_EQ(app.out.offset, ssm_state + find(attn, Op::kKvAppend).out.offset);
      EXPECT_EQ(layer_state_bytes(d, layer, e, 512),
                conv_state_bytes(d, e) + ssm_state_bytes(d, e) + 512 * kv_token_bytes(d));
      EXPECT_EQ(find(p, Op::kAttnScores).weight.offset, ssm_state);
    }
  }
  // Falcon-H1-1.5B by hand: 24 parallel layers (one norm 2048; Mamba-2
  // in_proj 2048 x (2 x 3072 + 2 x 256 + 48), conv 3584 x 5, 3 x 48, gated
  // norm 3072, out_proj 3072 x 2048; attention 2048 x (8 + 4) x 128 and
  // 1024 x 2048), 24 SwiGLU MLPs (norm, 3 x 2048 x 4608), untied
  // embedding and head 2 x 65537 x 2048, the final norm.
  const int64_t par =
      2048 + 2048 * 6704 + 3584 * 5 + 144 + 3072 + 3072 * 2048 + 2048 * 12 * 128 + 1024 * 2048;
  const int64_t mlp = 2048 + 3 * 2048 * 4608;
  EXPECT_EQ(d.parameters(), 2 * 65537 * 2048 + 24 * par + 24 * mlp + 2048);
}

// Zamba2's shared blocks: an invocation (G) runs RMSNorm over [hidden,
// embedding], attention 2 d_model wide, the gated MLP with its own LoRA,
// its own projection and the residual add; the block's weights come from
// the one shared copy (block b's at b x its bytes), the invocation's from
// its layer; the blocks take turns.
TEST(HybridProgram, SharedBlockInvocationsReadOneCopyOfTheirBlock) {
  const ModelDims d = load_model_preset("zamba2-2.7b");
  std::vector<int64_t> g;
  for (int64_t l = 0; l < d.n_layer; ++l) {
    if (d.layer_kind(l) == LayerKind::kShared) g.push_back(l);
  }
  ASSERT_EQ(g.size(), 9u);
  EXPECT_EQ(g[0], 6);
  EXPECT_EQ(d.layer_kind(7), LayerKind::kSsm);
  const std::vector<int32_t> by_layer = d.shared_block_by_layer();
  for (size_t i = 0; i < g.size(); ++i)
    EXPECT_EQ(by_layer[static_cast<size_t>(g[i])], int32_t(i % 2));
  EXPECT_TRUE(d.has(LayerKind::kAttention) && d.has(LayerKind::kMlp));
  const uint64_t dm = d.d_model, F = d.mlp_d_ff, r = d.shared_lora_rank, H = d.attn_heads,
                 K = d.attn_kv_heads, h = d.attn_head_dim;
  for (int64_t block : {0, 1}) {
    for (bool decode : {false, true}) {
      ProgramShape s;
      s.tokens = decode ? 1 : 64, s.decode = decode, s.context = 100, s.kv_capacity = 256;
      const uint64_t R = static_cast<uint64_t>(s.tokens);
      const BlockProgram p = build_layer_program(d, LayerKind::kShared, s, block);
      const uint64_t base = static_cast<uint64_t>(block) * shared_block_weight_bytes(d, 1);
      uint64_t shared = 0, own = 0;
      for (const ProgramOp& o : p.layer) {
        if (o.weight.region == Region::kSharedWeights) {
          EXPECT_GE(o.weight.offset, base);
          EXPECT_LE(o.weight.offset + o.weight.bytes, base + shared_block_weight_bytes(d, 1));
          shared += o.weight.bytes;
        }
        if (o.weight.region == Region::kWeights) own += o.weight.bytes;
      }
      EXPECT_EQ(shared, shared_block_weight_bytes(d, 1));
      EXPECT_EQ(own, layer_weight_bytes(d, g[0], 1));
      EXPECT_EQ(p.layer.front().cmd.op, Op::kRmsNorm);
      EXPECT_EQ(p.layer.front().in[1].region, Region::kEmbed);
      EXPECT_EQ(static_cast<uint64_t>(p.layer.front().cmd.elements), R * 2 * dm);
      EXPECT_EQ(macs(find(p, Op::kQkvProj)), R * 2 * dm * (H + 2 * K) * h);
      EXPECT_EQ(macs(find(p, Op::kOProj)), R * H * h * dm);
      EXPECT_EQ(macs(find(p, Op::kLoraA)), R * dm * r);
      EXPECT_EQ(macs(find(p, Op::kLoraB)), R * r * 2 * F);
      EXPECT_EQ(macs(find(p, Op::kFfnUp)), R * dm * 2 * F);
      EXPECT_EQ(macs(find(p, Op::kFfnDown)), R * F * dm);
      EXPECT_EQ(macs(find(p, Op::kSharedProj)), R * dm * dm);
      // The activation's pass adds the LoRA's output to the up projection.
      EXPECT_EQ(find(p, Op::kFfnAct).in[1].region, Region::kFfn);
      EXPECT_EQ(macs(find(p, Op::kAttnScores)), H * R * h * (100 + R));
      EXPECT_EQ(p.layer.back().cmd.op, Op::kResidual);
    }
  }
  // Zamba2-2.7B by hand: 54 Mamba-2 layers (norm 2560, in_proj 2560 x
  // (2 x 5120 + 2 x 64 + 80), conv 5248 x 5, 3 x 80, gated norm 5120,
  // out_proj 5120 x 2560); 2 shared blocks (norm 5120, q/k/v 5120 x 15360,
  // 5120 x 2560, norm 2560, GeGLU 2560 x 20480 and 10240 x 2560); 9
  // invocations (LoRA 2560 x 128 + 128 x 20480, projection 2560 x 2560);
  // the tied embedding and the final norm.
  const int64_t ssm = 2560 + 2560 * 10448 + 5248 * 5 + 240 + 5120 + 5120 * 2560;
  const int64_t block = 5120 + 5120 * 15360 + 5120 * 2560 + 2560 + 2560 * 20480 + 10240 * 2560;
  const int64_t invocation = 2560 * 128 + 128 * 20480 + 2560 * 2560;
  EXPECT_EQ(d.parameters(), 32000 * 2560 + 54 * ssm + 2 * block + 9 * invocation + 2560);
}
