#include "hw/gemm_unit.hpp"

#include <algorithm>
#include <cmath>

#include "hw/memory_map.hpp"

namespace ssmsim {

using sc_core::sc_time;

GemmUnit::GemmUnit(sc_core::sc_module_name name, const GemmConfig& cfg, bool fp16,
                   const UnitContext& ctx)
    : UnitBase(name, Unit::kGemm, ctx), quant2gemm("quant2gemm"), cfg_(cfg), fp16_(fp16) {
  quant2gemm.register_b_transport(this, &GemmUnit::link_b_transport);
}

namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

GemmUnit::Folds GemmUnit::dataflow_folds(const GemmConfig& g, int64_t M, int64_t N, int64_t K) {
  const int64_t R = g.rows, C = g.cols;
  // Fold (i, j) spans r_i of the Sr operand's rows and c_j of N's columns;
  // its fill and drain cross those, not the whole array: os r_i + c_j + K
  // - 2, ws 2 r_i + c_j + M - 2 (weight load, fill, stream, drain). A strip
  // of columns c sums its row folds: os M + rf (c + K - 2), ws 2K + rf (c
  // + M - 2). With every fold full this is SCALE-Sim's rf cf (R + C + T - 2)
  // (ws: 2R + C + T - 2).
  Folds f;
  f.col_folds = ceil_div(N, C);
  const int64_t last_cols = N - (f.col_folds - 1) * C;
  const auto strip = [&](int64_t cols) {
    return g.dataflow == Dataflow::kOutputStationary ? M + f.row_folds * (cols + K - 2)
                                                     : 2 * K + f.row_folds * (cols + M - 2);
  };
  if (g.dataflow == Dataflow::kOutputStationary) {
    f.row_folds = ceil_div(M, R);
    f.rows = std::min(M, R);
    f.mapping = GemmMapping::kOs;
  } else {
    f.row_folds = ceil_div(K, R);
    f.rows = std::min(K, R);
    f.mapping = GemmMapping::kWs;
  }
  f.strip_cycles = static_cast<uint64_t>(strip(C));
  f.last_strip_cycles = static_cast<uint64_t>(strip(last_cols));
  return f;
}

GemmUnit::Folds GemmUnit::gemv_folds(const GemmConfig& g, int64_t M, int64_t N, int64_t K,
                                     int64_t rows) {
  // K across `rows` rows, N across the columns: a tile of k rows loads a
  // row of weights per cycle while the M input vectors stream, max(k, M)
  // cycles, the next tile loading behind it; once per GEMM the first
  // tile's load and the adder levels over the rows it uses.
  Folds f;
  f.rows = rows;
  f.row_folds = ceil_div(K, rows);
  f.col_folds = ceil_div(N, g.cols);
  const int64_t last_rows = K - (f.row_folds - 1) * rows;
  f.strip_cycles =
      static_cast<uint64_t>((f.row_folds - 1) * std::max(rows, M) + std::max(last_rows, M));
  f.last_strip_cycles = f.strip_cycles;
  const int64_t first = std::min(K, rows);
  int64_t tree = 0;  // ceil(log2 first) adder levels
  while ((int64_t(1) << tree) < first) ++tree;
  f.once = first + tree;
  f.mapping = GemmMapping::kGemv;
  return f;
}

GemmUnit::Folds GemmUnit::folds(const GemmConfig& g, int64_t M, int64_t N, int64_t K) {
  Folds best = dataflow_folds(g, M, N, K);
  // Only for fewer rows than the array has (decode, small batches): there
  // the dataflow leaves PE rows idle; with more, the dataflow is used. Every
  // sub-array height is a candidate, so a larger array can always run what
  // a smaller one ran (issue 36); ties keep the taller one.
  if (g.gemv == GemvMapping::kOff || M >= g.rows) return best;
  for (int64_t r = std::min<int64_t>(g.rows, std::max<int64_t>(K, 1)); r >= 1; --r) {
    const Folds v = gemv_folds(g, M, N, K, r);
    if (v.total() < best.total()) best = v;
  }
  return best;
}

void GemmUnit::link_b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  // The INT8 operand lands in the array's input buffer; the link is a wire.
  stats_.link_bytes += trans.get_data_length();
  (void)delay;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// The strips' reads in the order the array asks for them, as a chain:
// each request's time follows the completions before it. Strips
// 0..depth-1 at the start (unless the previous GEMM fetched them), then per
// strip s: wait for its data, ask for strip s + depth (or, past the last,
// the next GEMM's first strips with the freed buffer slots), compute.
class GemmUnit::Strips final : public UnitBase::MemChain {
 public:
  struct Plan {
    const Command& d;
    OpRecord& rec;
    const std::vector<uint64_t>& offset;  // strip s is [offset[s], offset[s + 1]) of W
    int64_t strips, depth;
    int64_t col_folds;                 // strips per GEMM: the last of each is last_strip_time
    std::vector<uint64_t> next_bytes;  // the next GEMM's first strips, this one fetches
    bool was_prefetched;               // the previous GEMM fetched our first strips
    sc_time in_ready, strip_time, last_strip_time;
  };
  Strips(GemmUnit& u, std::vector<sc_time>& ready, Plan p)
      : u_(u), ready_(ready), p_(std::move(p)) {}

  sc_time t;                                       // the compute's local time
  std::vector<sc_time> next_ready;                 // the next GEMM's strips: arrival (absolute)
  bool to_strip() const { return pending_ >= 0; }  // the request out is one of W's strips

  bool next(MemRequest& r) override {
    const Plan& p = p_;
    while (first_ < std::min(p.depth, p.strips)) {
      const int64_t k = first_++;
      if (!prefetched(k)) return strip(r, k, sc_core::SC_ZERO_TIME), true;
    }
    while (s_ < p.strips) {
      if (!waited_) {
        Arrival data;
        data.add(ready_[static_cast<size_t>(s_)], StallReason::kWeights);
        if (s_ == 0) data.add(p.in_ready, StallReason::kInput);
        if (data.at > t) {
          u_.stall_span(t, data.at, data.why);
          t = data.at;
        }
        waited_ = true;
      }
      const int64_t ahead = s_ + p.depth;
      bool out = false;
      if (ahead < p.strips) {
        if (!prefetched(ahead)) strip(r, ahead, t), out = true;
      } else if (next_ready.size() < p.next_bytes.size()) {
        // The next GEMM's strips in order from its first, however few
        // strips this GEMM has (their arrivals are prefetched_[0, 1, ...]).
        const uint64_t b = p.next_bytes[next_ready.size()];
        r = {p.d.next_weight.addr + next_offset_, b, t, &u_.prefetched_bytes_};
        next_offset_ += b;
        pending_ = -1;
        out = true;
      }
      t += (s_ + 1) % p.col_folds == 0 ? p.last_strip_time : p.strip_time;
      ++s_;
      waited_ = false;
      if (out) return true;
    }
    return false;
  }
  void done(const sc_time& arrived) override {
    if (pending_ >= 0) {
      ready_[static_cast<size_t>(pending_)] = arrived;
    } else {
      next_ready.push_back(arrived + u_.op_start());
    }
  }

 private:
  // A strip fetched during the previous GEMM: its arrival, local.
  bool prefetched(int64_t k) {
    const auto us = static_cast<size_t>(k);
    if (!p_.was_prefetched || us >= u_.prefetched_.size()) return false;
    const sc_time& op_start = u_.op_start();
    ready_[us] =
        u_.prefetched_[us] > op_start ? u_.prefetched_[us] - op_start : sc_core::SC_ZERO_TIME;
    return true;
  }
  void strip(MemRequest& r, int64_t k, const sc_time& at) {
    const auto us = static_cast<size_t>(k);
    r = {p_.d.weight.addr + p_.offset[us], p_.offset[us + 1] - p_.offset[us], at, &p_.rec};
    pending_ = k;
  }

  GemmUnit& u_;
  std::vector<sc_time>& ready_;  // per strip: its data's arrival, local
  Plan p_;
  uint64_t next_offset_ = 0;
  int64_t first_ = 0, s_ = 0, pending_ = 0;
  bool waited_ = false;
};

sc_time GemmUnit::execute(const Command& d, OpRecord& rec) {
  datapath_.compute(d);
  auto cached = folds_cache_.find({d.m, d.n, d.k});
  if (cached == folds_cache_.end()) {
    cached = folds_cache_.emplace(std::array<int64_t, 3>{d.m, d.n, d.k}, folds(cfg_, d.m, d.n, d.k))
                 .first;
  }
  const Folds& f = cached->second;
  // FP16 runs the same folds at fp16_rate of the INT8 MAC rate.
  const bool fp16 = fp16_ || d.fp16_operands;
  rec.fp16 = fp16;
  auto scaled = [&](uint64_t c) {
    return fp16 ? static_cast<uint64_t>(std::ceil(static_cast<double>(c) / cfg_.fp16_rate)) : c;
  };
  // Column strips, of each of the `count` GEMMs in turn (their folds are
  // not merged: each has its own operands). A strip needs K x (its
  // columns) of the W operand.
  const int64_t count = std::max<int64_t>(1, d.count);
  const int64_t strips = f.col_folds * count;
  const uint64_t strip_cycles = scaled(f.strip_cycles),
                 last_strip_cycles = scaled(f.last_strip_cycles);
  const uint64_t once_cycles = scaled(static_cast<uint64_t>(count * f.once));
  // Where strip s of `gemms` GEMMs of n columns starts in W's bytes (the
  // whole columns before it; exact for any byte count).
  auto strip_offset = [&](const Operand& w, int64_t n, int64_t gemms, int64_t s) {
    const int64_t folds = ceil_div(n, cfg_.cols);
    const int64_t col = s / folds * n + std::min(n, s % folds * cfg_.cols);
    return static_cast<uint64_t>(static_cast<unsigned __int128>(w.bytes) *
                                 static_cast<uint64_t>(col) / static_cast<uint64_t>(gemms * n));
  };
  auto strip_bytes = [&](const Operand& w, int64_t n, int64_t gemms, int64_t s) {
    return strip_offset(w, n, gemms, s + 1) - strip_offset(w, n, gemms, s);
  };
  const sc_time zero = sc_core::SC_ZERO_TIME;
  sc_time in_ready = zero;
  if (!d.input_from_link) in_ready = read_inputs(d, zero, rec);
  // Strip s's data arrives at ready[s]. Strips 0..depth-1 are requested at
  // the start (or were prefetched by the previous GEMM), strip s + depth when
  // strip s starts computing; the weight buffer holds depth + 1 strips.
  const auto depth = static_cast<int64_t>(cfg_.prefetch_strips);
  std::vector<sc_time>& ready = ready_;
  ready.assign(static_cast<size_t>(strips), zero);
  std::vector<uint64_t> offset(static_cast<size_t>(strips) + 1, 0);
  // Whole bytes per column (weights of K elements each), the usual case:
  // the same offsets by a multiply per strip instead of three divisions.
  const auto columns = static_cast<uint64_t>(count * d.n);
  if (columns > 0 && d.weight.bytes % columns == 0) {
    const uint64_t per_col = d.weight.bytes / columns;
    const int64_t folds = ceil_div(d.n, cfg_.cols);
    for (int64_t s = 0, g = 0, fold = 0; s < strips; ++s) {  // g = s / folds, fold = s % folds
      offset[static_cast<size_t>(s)] =
          static_cast<uint64_t>(g * d.n + std::min(d.n, fold * cfg_.cols)) * per_col;
      if (++fold == folds) fold = 0, ++g;
    }
    offset[static_cast<size_t>(strips)] = d.weight.bytes;
  } else {
    for (int64_t s = 0; s <= strips; ++s) {
      offset[static_cast<size_t>(s)] =
          s == strips ? d.weight.bytes : strip_offset(d.weight, d.n, count, s);
    }
  }
  // Bytes the previous GEMM prefetched for this one are this one's.
  const bool was_prefetched = !prefetched_.empty() && prefetched_addr_ == d.weight.addr;
  rec.dram_read_bytes += prefetched_bytes_.dram_read_bytes;
  rec.sram_read_bytes += prefetched_bytes_.sram_read_bytes;
  prefetched_bytes_ = OpRecord();
  const int64_t next_n = d.next_weight.bytes > 0 ? d.n_next : 0;
  // A group's strips run GEMM after GEMM (an expert's weights after the
  // previous one's): its first strips are the first GEMM's.
  const int64_t next_gemms = std::max<int64_t>(1, d.count_next);
  const int64_t next_folds = ceil_div(next_n, cfg_.cols) * next_gemms;
  Strips::Plan plan{d,
                    rec,
                    offset,
                    strips,
                    depth,
                    f.col_folds,
                    {},
                    was_prefetched,
                    in_ready,
                    cycles(strip_cycles),
                    cycles(last_strip_cycles)};
  // The next GEMM's first strips, as many as the buffer holds.
  for (int64_t k = 0; k < std::min(depth, next_folds); ++k) {
    plan.next_bytes.push_back(strip_bytes(d.next_weight, next_n, next_gemms, k));
  }
  Strips chain(*this, ready, std::move(plan));
  // One stream transaction when the memory serves streams and nothing else
  // can come between the requests (the operation runs alone, all requests
  // go to one memory, no SRAM copy is written per strip); else one
  // transaction per strip, the same requests in the same order.
  const bool one_memory =
      next_n == 0 || (d.weight.addr >= kSramBase) == (d.next_weight.addr >= kSramBase);
  if (streams_to_memory() && !d.concurrent && d.weight_fill.bytes == 0 && one_memory) {
    mem_stream(tlm::TLM_READ_COMMAND, chain);
  } else {
    MemRequest r;
    while (chain.next(r)) {
      chain.done(chain.to_strip() ? read_weights(d, r.addr - d.weight.addr, r.bytes, r.at, rec)
                                  : mem(tlm::TLM_READ_COMMAND, {r.addr, r.bytes}, r.at, *r.rec));
    }
  }
  sc_time t = chain.t;
  prefetched_ = std::move(chain.next_ready);
  prefetched_addr_ = d.next_weight.addr;
  t += cycles(once_cycles + static_cast<uint64_t>(cfg_.epilogue_cycles));
  const sc_time written = mem(tlm::TLM_WRITE_COMMAND, d.out, t, rec);
  if (written > t) {
    stall_span(t, written, StallReason::kOutput);
    t = written;
  }
  rec.compute_cycles =
      static_cast<uint64_t>(count) *
          (static_cast<uint64_t>(f.col_folds - 1) * strip_cycles + last_strip_cycles) +
      once_cycles;
  rec.mapping = static_cast<uint8_t>(f.mapping);
  rec.busy_cycles = rec.compute_cycles + static_cast<uint64_t>(cfg_.epilogue_cycles);
  const int64_t rows = d.rows_total > 0 ? d.rows_total : count * d.m;
  rec.elements = static_cast<uint64_t>(rows * d.n * d.k);  // MACs
  rec.arith_ops = rec.elements;
  return t;
}

}  // namespace ssmsim
