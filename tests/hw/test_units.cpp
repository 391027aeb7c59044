// The units as SystemC modules, in one elaboration: two platforms A and B
// that differ in array size, lanes and DRAM bandwidth run the same scripted
// commands; every operation's simulated duration equals the hand-derived
// value (compute formula + memory time), so changing a parameter changes
// latency exactly as the formulas say. Memory: SRAM 4 ports x 64 B, 2 cycles
// latency; DRAM burst 64 B, 100 ns latency; clock 1 GHz (1 cycle = 1 ns).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"
#include "hw/accelerator.hpp"
#include "hw/address_map.hpp"
#include "numeric/metrics.hpp"

using namespace ssmsim;
using sc_core::sc_time;

namespace {

// Crafted SSM input, scale 1: vectors of 4 hold 4, 1, 0, 2 small values.
// The quantizer asks for its regions; nothing else computes.
struct CraftedInput : Datapath {
  explicit CraftedInput(quant::QuantKind kind) : kind(kind) {}
  QuantRegions quantize(const Command& c, uint8_t* regions) override {
    const quant::ErrorStats s =
        quant::measure(kind, u.data(), static_cast<size_t>(c.elements), 1.0f,
                       quant::SoftEdgeParams(), u_hat.data(), regions);
    return QuantRegions::elements(s.regions);
  }
  quant::QuantKind kind;
  std::vector<float> u = {1, 2, 3, 4, 20, 30, 1, 40, 20, 30, 40, 50, 1, 2, 60, 127};
  std::vector<float> u_hat = std::vector<float>(16, 0.0f);
};

// The accelerator driven by a script of hand-made commands instead of the
// controller (bound the same way, through bind_driver).
struct Platform : sc_core::sc_module {
  CraftedInput input;
  Accelerator acc;
  tlm_utils::simple_initiator_socket<Platform> drv2gemm, drv2quant, drv2scan, drv2had, drv2vec;
  std::map<std::string, uint64_t> cycles;  // measured duration per command
  std::string error;                       // from the out-of-range command

  SC_HAS_PROCESS(Platform);
  Platform(sc_core::sc_module_name n, const ArchConfig& c)
      : sc_module(n),
        input(c.quantizer.mode),
        acc("acc", c, input, nullptr),
        drv2gemm("drv2gemm"),
        drv2quant("drv2quant"),
        drv2scan("drv2scan"),
        drv2had("drv2had"),
        drv2vec("drv2vec") {
    acc.bind_driver({&drv2gemm, &drv2quant, &drv2scan, &drv2had, &drv2vec});
    SC_THREAD(script);
  }

  void run(tlm_utils::simple_initiator_socket<Platform>& s, Command d, const std::string& key) {
    tlm::tlm_generic_payload t;
    uint8_t b = 0;
    t.set_command(tlm::TLM_WRITE_COMMAND);
    t.set_data_ptr(&b);
    t.set_data_length(1);
    t.set_streaming_width(1);
    t.set_extension(new Command(d));  // owned and freed by the payload
    const sc_time t0 = sc_core::sc_time_stamp();
    sc_time delay = sc_core::SC_ZERO_TIME;
    s->b_transport(t, delay);
    cycles[key] =
        static_cast<uint64_t>((sc_core::sc_time_stamp() - t0) / sc_time(1, sc_core::SC_NS));
  }

  static Command command(Op op, Operand in, Operand out) {
    Command c;
    c.op = op;
    c.in[0] = in;
    c.out = out;
    return c;
  }

  void script() {
    Command d;
    d.op = Op::kInProj;
    d.m = 64, d.n = 64, d.k = 100;
    d.in[0] = {kSramBase, 6400};
    d.weight = {0, 6400};
    d.out = {kSramBase + 8192, 4096};
    run(drv2gemm, d, "gemm_compute_bound");
    d.m = 1, d.n = 64, d.k = 768;
    d.in[0].bytes = 768, d.weight.bytes = 49152, d.out.bytes = 64;
    run(drv2gemm, d, "gemm_memory_bound");
    d = command(Op::kSsmInQuant, {kSramBase, 32}, {});
    d.elements = 16;
    run(drv2quant, d, "quant");
    d = command(Op::kScan, {kSramBase, 6272}, {kSramBase + 16384, 6144});
    d.tokens = 4, d.channels = 768, d.d_state = 16;
    run(drv2scan, d, "scan");
    d = command(Op::kHadamard, {kSramBase, 3072}, {kSramBase + 4096, 1536});
    d.tokens = 2, d.channels = 768, d.hadamard_block = 768;
    run(drv2had, d, "hadamard");
    d = command(Op::kConv1dSilu, {kSramBase, 1000}, {kSramBase + 1024, 2000});
    d.elements = 1000, d.passes = 5;
    run(drv2vec, d, "vector");
    // A one-strip GEMM whose free buffer slots fetch the next GEMM's first
    // strips (32 + 8 columns of K = 64), then that GEMM.
    d = Command();
    d.op = Op::kInProj;
    d.m = 1, d.n = 16, d.k = 64;
    d.in[0] = {kSramBase, 64};
    d.weight = {uint64_t(1) << 20, 16 * 64};
    d.out = {kSramBase + 4096, 16};
    d.next_weight = {uint64_t(2) << 20, 40 * 64};
    d.n_next = 40;
    run(drv2gemm, d, "gemm_one_strip");
    d.n = 40;
    d.weight = d.next_weight;
    d.next_weight = Operand();
    d.n_next = 0;
    d.out.bytes = 40;
    run(drv2gemm, d, "gemm_after_prefetch");
    // Past the SRAM's capacity: the target answers with an address error.
    d.in[0].addr = kSramBase + (uint64_t(1) << 30);
    try {
      run(drv2vec, d, "vector_bad");
    } catch (const Error& e) {
      error = e.what();
    }
  }
};

ArchConfig base() {
  ArchConfig c;
  c.dram.latency_ns = 100;
  c.dram.bandwidth_gbps = 64;
  c.dram.read_efficiency = c.dram.write_efficiency = 1;  // the hand formulas use the peak
  return c;
}

ArchConfig variant_b() {
  ArchConfig c = base();
  c.gemm.rows = c.gemm.cols = 16;
  c.quantizer.lanes = 4;
  c.quantizer.multicycle = true;
  c.quantizer.multicycle_extra_cycles = 3;
  c.scan.lanes = 128;
  c.hadamard.lanes = 64;
  c.vector.lanes = 16;
  c.dram.bandwidth_gbps = 8;
  return c;
}

// One elaboration for the whole executable.
struct Sim {
  Platform a{"A", base()};
  Platform b{"B", variant_b()};
  Sim() { sc_core::sc_start(); }
};

Sim& sim() {
  static Sim s;
  return s;
}

}  // namespace

TEST(Units, GemmComputeBound) {
  // A (32x32): in 2 + 25 = 27; strips of 3200 B: 100 + 50 = 150. t = 150,
  // 2 strips x (2 row folds x 162) = 648, epilogue 4, write 2 + 16 = 18.
  EXPECT_EQ(sim().a.cycles["gemm_compute_bound"], 150u + 648 + 4 + 18);
  // B (16x16, 8 GB/s): strips of 1600 B: 100 + 200 = 300; 4 strips of
  // 4 x 130 = 520 each, prefetch hidden: 300 + 2080 + 4 + 18.
  EXPECT_EQ(sim().b.cycles["gemm_compute_bound"], 300u + 2080 + 4 + 18);
  const OpRecord& r = sim().a.acc.op_log()[0];
  EXPECT_EQ(r.compute_cycles, 648u);
  EXPECT_EQ(r.busy_cycles, 652u);
  EXPECT_EQ(r.stall_cycles, 168u);
}

// The strips a GEMM fetched for the next one are that one's first strips,
// in order: with the ones it reads itself, its weights exactly once.
TEST(Units, PrefetchedStripsAreTheNextGemmsFirst) {
  std::vector<const OpRecord*> gemms;
  for (const OpRecord& r : sim().a.acc.op_log()) {
    if (r.unit == Unit::kGemm) gemms.push_back(&r);
  }
  ASSERT_GE(gemms.size(), 4u);
  const OpRecord& one = *gemms[gemms.size() - 2];
  const OpRecord& next = *gemms.back();
  EXPECT_EQ(one.N, 16);
  EXPECT_EQ(one.dram_read_bytes, 16u * 64);
  EXPECT_EQ(next.N, 40);
  EXPECT_EQ(next.dram_read_bytes, 40u * 64);
}

TEST(Units, GemmMemoryBoundDecode) {
  // M = 1 < 32 rows: the GEMV mapping (gemm.gemv = auto) on one row of the
  // array (docs/timing.md: every row count takes K = 768 cycles a strip, a
  // row of weights per cycle; one row has the shortest first load, 1 + 0
  // adder levels). A: strips of 24576 B take 100 + 384 = 484 < 768
  // compute: hidden after the first: 484 + 2 x 768 + 1 + 4 + 3.
  EXPECT_EQ(sim().a.cycles["gemm_memory_bound"], 484u + 2 * 768 + 1 + 4 + 3);
  // B: 4 strips of 12288 B at 8 GB/s take 1536 each on the channel; with
  // two strips requested ahead (gemm.prefetch_strips) the channel stays busy
  // from the start, so only the first latency is exposed: the last strip
  // arrives at 100 + 4 x 1536, then computes 768, + 1 once (GEMV), + 4 + 3.
  const uint64_t b = sim().b.cycles["gemm_memory_bound"];
  EXPECT_EQ(b, 100u + 4 * 1536 + 768 + 1 + 4 + 3);
  EXPECT_GE(b, 49152u / 8);  // never faster than weight bytes / bandwidth
}

TEST(Units, QuantizerLanesAndMulticycle) {
  // A: 1 vector of 32 lanes + pipeline 3 + se 1; input 2 + 1.
  EXPECT_EQ(sim().a.cycles["quant"], 3u + 1 + 4);
  // B: 4 vectors of 4 lanes, + ceil(4*3/4) + ceil(1*3/4) + 0 + ceil(2*3/4)
  // = 6 multicycle cycles for the 7 flagged (small) elements.
  EXPECT_EQ(sim().b.cycles["quant"], 3u + 4 + 6 + 4);
  const auto& regions = sim().b.acc.quant.region_counts();
  EXPECT_EQ(regions[static_cast<int>(quant::SeRegion::kSmall)], 7u);
  EXPECT_EQ(regions[static_cast<int>(quant::SeRegion::kNormal)], 9u);
  EXPECT_EQ(sim().b.input.u_hat[15], 127.0f);
}

TEST(Units, ScanHadamardVector) {
  EXPECT_EQ(sim().a.cycles["scan"], 27u + (4 * 192 + 20) + 26);
  EXPECT_EQ(sim().b.cycles["scan"], 27u + (4 * 96 + 20) + 26);
  EXPECT_EQ(sim().a.cycles["hadamard"], 14u + (2 * 204 + 4) + 8);
  EXPECT_EQ(sim().b.cycles["hadamard"], 14u + (2 * (36 + 66) + 4) + 8);
  EXPECT_EQ(sim().a.cycles["vector"], 6u + (5 * 32 + 4) + 10);
  EXPECT_EQ(sim().b.cycles["vector"], 6u + (5 * 63 + 4) + 10);
}

TEST(Units, OutOfRangeAccessIsAnError) {
  EXPECT_THAT(sim().a.error, ::testing::HasSubstr("TLM_ADDRESS_ERROR_RESPONSE"));
  EXPECT_THAT(sim().a.error, ::testing::HasSubstr("vec: memory read"));
}
