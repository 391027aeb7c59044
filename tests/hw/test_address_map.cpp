// The address map: every operand of every operation of every preset model
// lies inside its own region (gate's z in in_proj's output, the residual's
// resid in the residual stream, the scan's B/C in x_proj's output), slots
// do not overlap, and the SRAM plan counts what it places.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "config/workload.hpp"
#include "hw/address_map.hpp"
#include "lower/memory_plan.hpp"

using namespace ssmsim;

namespace {

const char* kModels[] = {"mamba-bytes-a", "mamba-130m",  "mamba-370m",  "mamba-790m",
                         "mamba-1.4b",    "mamba-2.8b",  "mamba2-130m", "mamba2-370m",
                         "mamba2-780m",   "mamba2-1.3b", "mamba2-2.7b", "mamba-codestral-7b"};

// Operand [addr, addr + bytes) of `ref` must lie in region `want`'s bytes of
// the tile's slot.
void expect_inside(const AddressMap& map, const TileLayout& tl, const RegionRef& ref, int64_t tile,
                   const char* what) {
  if (ref.region == Region::kNone || ref.region == Region::kWeights ||
      ref.region == Region::kState || ref.region == Region::kLogits)
    return;
  const Operand o = map.place(ref, tile, 0, tl);
  const Operand whole = map.place({ref.region, 0, 0}, tile, 0, tl);
  const auto r = static_cast<size_t>(ref.region);
  EXPECT_GE(o.addr, whole.addr) << what;
  EXPECT_LE(o.addr + o.bytes, whole.addr + (tl.offset[r + 1] - tl.offset[r])) << what;
}

}  // namespace

TEST(AddressMap, EveryOperandStaysInItsRegion) {
  for (const char* name : kModels) {
    const ModelDims d = load_model_preset(name);
    for (const char* arch_name : {"default", "edge", "cloud"}) {
      ArchConfig arch;
      arch.load(arch_name);
      for (int64_t batch : {1, 3, 32}) {
        for (bool decode : {false, true}) {
          const int64_t prefill = decode ? 0 : 100;  // a partial last tile
          const MemoryPlan mp = plan_memory(d, arch, prefill, decode ? 4 : 0, batch);
          const ModelLowering lowering(d);
          const AddressMap map(lowering, mp);
          ProgramShape s;
          s.batch = batch;
          s.decode = decode;
          // The last, partial tile of the 100 prompt tokens.
          s.tokens = decode ? 1 : prefill - (prefill - 1) / mp.tile_tokens * mp.tile_tokens;
          s.hadamard_size = d.d_inner;
          s.bytes = mp.bytes;
          const BlockProgram prog = build_program(d, s);
          const TileLayout tl = map.tile_layout(
              {static_cast<uint64_t>(s.tokens), static_cast<uint64_t>(batch), decode});
          if (decode) {
            EXPECT_EQ(tl.slot_stride, 0u) << name;  // one step at a time: one slot
          } else {
            EXPECT_LE(tl.end, tl.slot_stride) << name;
          }
          for (const auto* ops : {&prog.layer, &prog.head}) {
            const int64_t layer = ops == &prog.head ? d.n_layer : 0;  // the head's weights
            for (const ProgramOp& p : *ops) {
              const std::string what =
                  std::string(name) + " " + arch_name + " " + op_name(p.cmd.op);
              for (const RegionRef& in : p.in) {
                EXPECT_NO_THROW(expect_inside(map, tl, in, 1, what.c_str())) << what;
              }
              EXPECT_NO_THROW(expect_inside(map, tl, p.out, 1, what.c_str())) << what;
              EXPECT_NO_THROW(map.place(p.state, 0, d.n_layer - 1, tl)) << what;
              if (p.weight.region == Region::kWeights) {
                EXPECT_NO_THROW(map.place_weights(p.weight, layer, true)) << what;
              } else {  // the SSD's matmuls: an activation as W
                EXPECT_NO_THROW(expect_inside(map, tl, p.weight, 1, what.c_str())) << what;
              }
            }
          }
        }
      }
    }
  }
}

TEST(AddressMap, GateAndResidualReadTheirOwnRegions) {
  const ModelDims d = load_model_preset("mamba-bytes-a");
  ProgramShape s;
  s.tokens = 64;
  s.hadamard_size = d.d_inner;
  const BlockProgram prog = build_program(d, s);
  for (const ProgramOp& p : prog.layer) {
    if (p.cmd.op == Op::kGate) {
      EXPECT_EQ(p.in[0].region, Region::kY);
      EXPECT_EQ(p.in[1].region, Region::kXZ);
      EXPECT_EQ(p.in[1].offset, 64u * static_cast<uint64_t>(d.d_inner));  // z after x
    }
    if (p.cmd.op == Op::kResidual) {
      EXPECT_EQ(p.in[0].region, Region::kOut);
      EXPECT_EQ(p.in[1].region, Region::kResid);
    }
  }
}

TEST(AddressMap, SlotsDoNotOverlapAndALeavingOperandIsAnError) {
  const ModelDims d = load_model_preset("mamba-bytes-a");
  ArchConfig arch;
  arch.controller.activation_slots = 3;
  arch.sram.bytes = int64_t(1) << 30;
  const MemoryPlan mp = plan_memory(d, arch, 256, 0, 1);
  const ModelLowering lowering(d);
  const AddressMap map(lowering, mp);
  const TileLayout tl = map.tile_layout({64, 1, false});
  const RegionRef resid{Region::kResid, 0, 64u * 384 * 4};
  for (int64_t t = 0; t < 3; ++t) {
    EXPECT_EQ(map.place(resid, t, 0, tl).addr,
              kSramBase + static_cast<uint64_t>(t) * mp.tile_footprint_bytes);
  }
  EXPECT_EQ(map.place(resid, 3, 0, tl).addr, kSramBase);  // slot 0 again
  EXPECT_THROW(map.place({Region::kResid, 1, 64u * 384 * 4}, 0, 0, tl), Error);
}

TEST(AddressMap, ResidentWeightsCountAgainstSramAndFillOnFirstUse) {
  const ModelDims d = load_model_preset("mamba-bytes-a");
  ArchConfig arch;
  arch.load("cloud");  // 16 MiB: the bundled model's 6.1 MB of weights fit
  MemoryPlan mp = plan_memory(d, arch, 256, 8, 1);
  EXPECT_TRUE(mp.weights_in_sram);
  EXPECT_EQ(mp.sram_used_bytes, 2 * mp.tile_footprint_bytes + mp.state_bytes + mp.weight_bytes);
  EXPECT_EQ(mp.slot_area_bytes, 2 * mp.tile_footprint_bytes);
  const ModelLowering lowering(d);
  const AddressMap map(lowering, mp);
  const RegionRef w{Region::kWeights, 16, 32};
  const WeightOperands first = map.place_weights(w, 2, true);
  const WeightOperands later = map.place_weights(w, 2, false);
  EXPECT_LT(first.read.addr, kSramBase);  // from DRAM
  EXPECT_EQ(first.fill.addr, later.read.addr);
  EXPECT_GE(later.read.addr, kSramBase);
  EXPECT_EQ(later.fill.bytes, 0u);

  arch.mapping.weights = WeightPlacement::kStream;
  EXPECT_FALSE(plan_memory(d, arch, 256, 8, 1).weights_in_sram);
  arch.load("default");  // 2 MiB
  arch.mapping.weights = WeightPlacement::kResident;
  try {
    plan_memory(d, arch, 256, 8, 1);
    FAIL() << "resident weights that do not fit must be an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mapping.weights = resident"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("sram.bytes"), std::string::npos);
  }
}

TEST(AddressMap, AutoTileMovesTheFewestDramBytes) {
  ArchConfig arch;  // default: 2 MiB SRAM, 32 array rows
  arch.controller.tile_tokens = 0;
  const ModelDims small = load_model_preset("mamba-bytes-a");
  // Two slots of t tokens fit while 2 x t x 9656 <= 2 MiB: t <= 108, rounded
  // down to whole array rows: 96. Three tiles re-read 3 x 6.1 MB of weights;
  // one tile of 256 would spill 2 x 2.47 MB x 6 layers of activations.
  const MemoryPlan m = plan_memory(small, arch, 256, 0, 1);
  EXPECT_TRUE(m.tile_chosen);
  EXPECT_EQ(m.tile_tokens, 96);
  EXPECT_TRUE(m.activations_in_sram);
  // Mamba-2.8B on edge: 2 slots of 32 tokens fit in 4 MiB, but 16 tiles of
  // 2.79 GB of weights cost more than one tile with 4.2 GB of activations.
  arch.load("edge");
  const MemoryPlan big = plan_memory(load_model_preset("mamba-2.8b"), arch, 512, 0, 1);
  EXPECT_EQ(big.tile_tokens, 512);
  EXPECT_FALSE(big.activations_in_sram);
  EXPECT_TRUE(big.decode_activations_in_sram);  // a decode step's slots fit
  // A number is taken as given.
  arch.controller.tile_tokens = 48;
  EXPECT_EQ(plan_memory(small, arch, 256, 0, 1).tile_tokens, 48);
  EXPECT_FALSE(plan_memory(small, arch, 256, 0, 1).tile_chosen);
}

TEST(AddressMap, DecodeKeepsTheMostBytesOnChipBufferByBuffer) {
  // Mamba-2.8B on edge, decode at batch 128: a step's 8.2 MB of buffers do
  // not all fit in 4 MiB; those that do stay there (issue 36: no longer
  // all-or-nothing), each inside the SRAM, the others in DRAM.
  ArchConfig arch;
  arch.load("edge");
  const ModelDims d = load_model_preset("mamba-2.8b");
  const ModelLowering lowering(d);
  const MemoryPlan mp = plan_memory(d, arch, 0, 2, 128);
  EXPECT_FALSE(mp.decode_activations_in_sram);
  EXPECT_GT(mp.decode_sram_bytes, 0u);
  EXPECT_LE(mp.decode_sram_bytes + mp.attn_block_bytes, static_cast<uint64_t>(arch.sram.bytes));
  const AddressMap map(lowering, mp);
  const TileLayout tl = map.tile_layout({1, 128, true});
  uint64_t in_sram = 0;
  for (int r = 1; r <= kActivationRegions; ++r) {
    const auto i = static_cast<size_t>(r);
    const uint64_t bytes = tl.offset[i + 1] - tl.offset[i];
    if (bytes == 0) continue;
    const Operand o = map.place({static_cast<Region>(r), 0, bytes}, 3, 0, tl);
    if (mp.decode_sram_regions >> r & 1u) {
      EXPECT_GE(o.addr, kSramBase) << r;
      EXPECT_LE(o.addr + o.bytes, kSramBase + mp.decode_sram_bytes) << r;
      in_sram += bytes;
    } else {
      EXPECT_GE(o.addr, kDramActivations) << r;
      EXPECT_LT(o.addr, kSramBase) << r;
    }
  }
  EXPECT_EQ(in_sram, mp.decode_sram_bytes);
  // A larger SRAM never keeps fewer of a step's bytes (and the state's) on
  // chip, from nothing up to everything.
  uint64_t last = 0;
  for (int64_t kib = 256; kib <= 1 << 20; kib *= 2) {
    arch.sram.bytes = kib * 1024;
    const MemoryPlan m = plan_memory(d, arch, 0, 2, 16);
    const uint64_t kept = m.decode_sram_bytes + (m.state_in_sram ? m.state_bytes : 0);
    EXPECT_GE(kept, last) << kib << " KiB";
    last = kept;
  }
  EXPECT_TRUE(plan_memory(d, arch, 0, 2, 16).decode_activations_in_sram);  // 1 GiB: all of it
}

TEST(AddressMap, EveryDramAddressFallsInTheWindowItLiesIn) {
  // The windows in address order, each from its base up to the next one's.
  const DramWindow order[] = {DramWindow::kWeights, DramWindow::kLogits, DramWindow::kActivations,
                              DramWindow::kState};
  for (int i = 0; i < kDramWindows; ++i) {
    const uint64_t base = dram_window_base(order[i]);
    EXPECT_EQ(dram_window(base), order[i]) << dram_window_name(order[i]);
    EXPECT_EQ(dram_window(base + 12345), order[i]) << dram_window_name(order[i]);
    if (i > 0) {
      EXPECT_EQ(dram_window(base - 1), order[i - 1]) << dram_window_name(order[i]);
      EXPECT_GT(base, dram_window_base(order[i - 1]));
    }
  }
  EXPECT_EQ(dram_window(kSramBase - 1), DramWindow::kState);  // the last window runs to SRAM
}
