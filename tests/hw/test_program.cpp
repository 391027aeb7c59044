// The layer program of Mamba-2: every SSD kernel's work (MACs, element
// operations, state updates) and the bytes of each of its operands equal
// the closed-form counts written here from the SSD's definition, for every
// Mamba-2 preset, several chunk sizes, tiles that are and are not a
// multiple of the chunk, batches, and the w8a8 and fp16 datapaths.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/workload.hpp"
#include "hw/program.hpp"

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
                const BlockProgram p = build_mamba2_program(d, s);
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
    const BlockProgram p = build_mamba2_program(d, s);
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
