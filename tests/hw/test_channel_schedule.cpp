// The channel's reservation table against a brute-force one: every
// reservation gets the earliest gap at or after its request time that fits
// it, whether the request lands after everything reserved (the common case,
// which skips the searches), inside a busy interval, or in a gap too short
// for it. Outside a simulation the time stays 0, so nothing is pruned; one
// test passes the time itself, so intervals expire as the kernel's time
// passes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "hw/channel_schedule.hpp"

using namespace ssmsim;

namespace {

// Every reservation kept as its own interval; the earliest start that
// overlaps none of them.
class NaiveSchedule {
 public:
  uint64_t reserve(uint64_t request, uint64_t duration) {
    uint64_t start = request;
    for (bool moved = true; moved;) {
      moved = false;
      for (const auto& [s, e] : busy_) {
        // Zero length: moved only by an interval covering it. Otherwise by
        // any interval it would overlap.
        const bool overlaps =
            duration == 0 ? (s <= start && start < e) : (s < start + duration && start < e);
        if (overlaps) start = e, moved = true;
      }
    }
    if (duration > 0) busy_.emplace_back(start, start + duration);
    return start;
  }

 private:
  std::vector<std::pair<uint64_t, uint64_t>> busy_;
};

// A request: its time, its duration and the kernel's time it is made at.
struct Request {
  uint64_t at, duration, now;
};

// 20 seeds of 2,000 requests, each reserved in both tables: the same
// start. Per seed, make() gives a fresh next(g, last_end) (last_end: the
// end of every reservation so far).
template <typename Make>
void check_against_naive(Make make) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 g(seed);
    auto next = make();
    ChannelSchedule fast;
    NaiveSchedule naive;
    uint64_t last_end = 0;
    for (int i = 0; i < 2000; ++i) {
      const Request r = next(g, last_end);
      const uint64_t start = fast.reserve(r.at, r.duration, r.now);
      ASSERT_EQ(start, naive.reserve(r.at, r.duration))
          << "seed " << seed << ", reservation " << i << ": request " << r.at << ", duration "
          << r.duration << ", now " << r.now;
      last_end = std::max(last_end, start + r.duration);
    }
  }
}

}  // namespace

TEST(ChannelSchedule, EveryReservationTakesTheEarliestGapThatFits) {
  check_against_naive([] {
    return [pick = std::uniform_int_distribution<int>(0, 9),
            dur = std::uniform_int_distribution<int>(0, 40),
            back = std::uniform_int_distribution<int>(0, 300),
            clock = uint64_t(1000)](std::mt19937& g, uint64_t) mutable {
      // Mostly in time order (after everything), sometimes earlier: into a
      // busy interval or a gap. The kernel's time stays 0: nothing expires.
      const int p = pick(g);
      if (p < 6) clock += static_cast<uint64_t>(dur(g));
      const uint64_t at = p < 6 ? clock : clock - std::min<uint64_t>(clock, back(g));
      const uint64_t duration = p == 9 ? 0 : static_cast<uint64_t>(dur(g)) + 1;
      return Request{at, duration, 0};
    };
  });
}

TEST(ChannelSchedule, TouchingTransfersQueueBackToBack) {
  ChannelSchedule c;
  EXPECT_EQ(c.reserve(uint64_t(0), uint64_t(10)), 0u);
  EXPECT_EQ(c.reserve(uint64_t(0), uint64_t(10)), 10u);   // behind the first
  EXPECT_EQ(c.reserve(uint64_t(20), uint64_t(5)), 20u);   // right after: joins
  EXPECT_EQ(c.reserve(uint64_t(3), uint64_t(0)), 25u);    // zero length inside: at the end
  EXPECT_EQ(c.reserve(uint64_t(40), uint64_t(5)), 40u);   // after a gap
  EXPECT_EQ(c.reserve(uint64_t(25), uint64_t(15)), 25u);  // fills the gap exactly
  EXPECT_EQ(c.reserve(uint64_t(0), uint64_t(1)), 45u);    // everything up to 45 is busy
}

TEST(ChannelSchedule, ExpiredIntervalsChangeNoReservation) {
  // Requests at or after the kernel's time (as the memories make them),
  // which moves on: intervals that ended before it are pruned or no longer
  // live, which must not change any start against the table that keeps
  // them all. The time often lands exactly on an interval's end.
  check_against_naive([] {
    return [pick = std::uniform_int_distribution<int>(0, 9),
            dur = std::uniform_int_distribution<int>(0, 40),
            ahead = std::uniform_int_distribution<int>(0, 120),
            now = uint64_t(0)](std::mt19937& g, uint64_t last_end) mutable {
      const int p = pick(g);
      if (p < 3) now += static_cast<uint64_t>(dur(g));
      if (p == 3) now = std::max(now, last_end);  // the time reaches the last end
      const uint64_t at = now + (p < 7 ? 0u : static_cast<uint64_t>(ahead(g)));
      const uint64_t duration = p == 9 ? 0 : static_cast<uint64_t>(dur(g)) + 1;
      return Request{at, duration, now};
    };
  });
}
