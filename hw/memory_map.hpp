// The accelerator's address space, for the memory models: DRAM at 0, SRAM
// at kSramBase (the interconnect routes by address), and the DRAM's windows
// (what a DRAM byte holds: weights, logits, spilled activations, state),
// which the DRAM counts its traffic by. Nothing here knows the program that
// fills them; AddressMap (address_map.hpp) places its regions inside them.
#pragma once

#include <cstdint>

namespace ssmsim {

constexpr uint64_t kDramBase = 0;
constexpr uint64_t kSramBase = uint64_t(1) << 40;

enum class DramWindow : uint8_t { kWeights, kLogits, kActivations, kState };
constexpr int kDramWindows = 4;
// The windows start 2^38 bytes apart, in the enum's order.
constexpr int kDramWindowShift = 38;
constexpr uint64_t kDramLogits = kDramBase + (uint64_t(1) << kDramWindowShift);
constexpr uint64_t kDramActivations = kDramBase + (uint64_t(2) << kDramWindowShift);
constexpr uint64_t kDramState = kDramBase + (uint64_t(3) << kDramWindowShift);
static_assert(kDramState + (uint64_t(1) << kDramWindowShift) <= kSramBase,
              "the DRAM windows end below the SRAM");

inline const char* dram_window_name(DramWindow w) {
  static constexpr const char* kNames[kDramWindows] = {"weights", "logits", "activations", "state"};
  return kNames[static_cast<int>(w)];
}
// Inline: the DRAM counts every request's bytes by window.
inline DramWindow dram_window(uint64_t addr) {
  const uint64_t w = (addr - kDramBase) >> kDramWindowShift;
  return static_cast<DramWindow>(w < 3 ? w : 3);
}
static_assert(static_cast<int>(DramWindow::kState) == 3 && kDramWindows == 4);
constexpr uint64_t dram_window_base(DramWindow w) {
  return kDramBase + (static_cast<uint64_t>(w) << kDramWindowShift);
}

}  // namespace ssmsim
