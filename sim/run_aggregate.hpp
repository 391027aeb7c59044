// A run's operations, aggregated as the units complete them (an OpSink): per
// layer and unit, per layer, per unit, energy, and the GEMM operations for
// run.json's gemm_ops. Sums accumulate in completion order, the order the
// report always used.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "config/arch_config.hpp"
#include "hw/energy.hpp"
#include "hw/unit_stats.hpp"

namespace ssmsim {

struct Agg {
  uint64_t ops = 0, busy = 0, stall = 0, queue = 0, dram_r = 0, dram_w = 0, sram_r = 0, sram_w = 0;
  uint64_t arith = 0;
  uint64_t start = UINT64_MAX, end = 0;
  Energy energy;
  void add(const OpRecord& r, const Energy& e) {
    ++ops;
    arith += r.arith_ops;
    energy.add(e);
    busy += r.busy_cycles;
    stall += r.stall_cycles;
    queue += r.queue_cycles;
    dram_r += r.dram_read_bytes;
    dram_w += r.dram_write_bytes;
    sram_r += r.sram_read_bytes;
    sram_w += r.sram_write_bytes;
    start = std::min(start, r.start_cycle);
    end = std::max(end, r.end_cycle);
  }
};

// What gemm_ops reports of one GEMM (array and dataflow are the run's).
struct GemmOpRecord {
  Op op;
  int64_t layer, tile, M, N, K, count;  // count GEMMs of M x N x K
  bool fp16;                            // FP16 operands
  uint64_t compute_cycles, busy_cycles, stall_cycles, queue_cycles, start_cycle, end_cycle;
  uint64_t dram_bytes, sram_bytes;  // read + written
  uint8_t mapping;                  // GemmMapping
};

GemmOpRecord gemm_record(const OpRecord& r);

// What bounds a kernel's operations in sum: the largest of their busy
// cycles and the cycles their DRAM and SRAM bytes take at full bandwidth.
const char* kernel_bound(const Agg& a, const ArchConfig& arch, double period_ns);

// What bounds a GEMM: the largest of its compute cycles and the cycles its
// DRAM and SRAM bytes take at full bandwidth; if it took more than 1.5x
// that, the rest went to waiting (DRAM latency, contention, dependencies).
struct GemmBound {
  const char* bound;
  double dram_cycles, sram_cycles;
};
GemmBound gemm_bound(const GemmOpRecord& g, const ArchConfig& a, double period_ns);

// Every cycle of the run given to one operation, so that layers and units
// add up to the total (a layer's span overlaps other layers' in a pipelined
// prefill): of the operations running in a cycle, the one of the oldest
// tile, then the lowest layer, gets it (the work the pipeline completes in
// order); a cycle with none running is idle.
struct Attribution {
  std::vector<uint64_t> layer_cycles;  // by layer; [n_layer]: the head
  std::array<uint64_t, kUnitCount> unit_cycles{};
  uint64_t idle_cycles = 0;
};

class RunAggregate : public OpSink {
 public:
  // n_layer: layers of the model; the head aggregates as layer n_layer.
  RunAggregate() = default;
  RunAggregate(const ArchConfig& arch, int64_t n_layer);
  void add(const OpRecord& r) override;
  // Room for a run's operations, of which `gemm_ops` GEMMs (a hint: the
  // records then never move while the run grows them).
  void reserve(uint64_t ops, uint64_t gemm_ops) {
    spans_.reserve(ops);
    gemm_.reserve(gemm_ops);
  }

  uint64_t ops() const { return ops_; }
  const Energy& energy() const { return energy_; }  // without static energy
  // Layer (n_layer: the head) and unit; ops == 0 where none ran.
  const Agg& at(int64_t layer, Unit u) const {
    return per_[static_cast<size_t>(layer)][static_cast<size_t>(u)];
  }
  const Agg& layer(int64_t layer) const { return per_layer_[static_cast<size_t>(layer)]; }
  const Agg& unit(Unit u) const { return per_unit_[static_cast<size_t>(u)]; }
  int64_t layers() const { return static_cast<int64_t>(per_layer_.size()); }  // n_layer + 1
  const std::vector<GemmOpRecord>& gemm_ops() const { return gemm_; }
  // By kernel (operation kind) and phase (0 prefill, 1 decode); ops == 0
  // where none ran. The unit that ran it: kernel_unit.
  const Agg& kernel(Op op, bool decode) const {
    return per_kernel_[static_cast<size_t>(op)][decode ? 1 : 0];
  }
  Unit kernel_unit(Op op) const { return kernel_unit_[static_cast<size_t>(op)]; }
  // The attribution of [0, total_cycles).
  Attribution attribute(uint64_t total_cycles) const;

 private:
  ArchConfig arch_;
  EnergyTable energy_table_;
  uint64_t ops_ = 0;
  Energy energy_;
  std::vector<std::array<Agg, kUnitCount>> per_;
  std::vector<Agg> per_layer_;
  std::array<Agg, kUnitCount> per_unit_{};
  std::array<std::array<Agg, 2>, kOpCount> per_kernel_{};
  std::array<Unit, kOpCount> kernel_unit_{};
  std::vector<GemmOpRecord> gemm_;
  struct Span {
    uint64_t start, end;
    int64_t tile;
    int32_t layer;
    Unit unit;
  };
  std::vector<Span> spans_;
};

}  // namespace ssmsim
