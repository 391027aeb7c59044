// Occupancy of a shared channel (DRAM bus, SRAM ports) as a table of busy
// intervals. Loosely-timed initiators run ahead in local time, so requests
// arrive out of time order; each gets the earliest gap that fits at or after
// its own request time, instead of queueing behind a reservation made for a
// later time (which a single busy-until time would do).
//
// The table is a sorted vector of integer times (SystemC time units): most
// reservations land at its end and expired ones leave from its front, so a
// reservation allocates nothing in the steady state. Intervals that touch
// are kept as one (the busy time is the same), so a stream of back-to-back
// transfers reserved ahead is one interval for a later request to skip, not
// one per transfer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <systemc>
#include <utility>
#include <vector>

namespace ssmsim {

class ChannelSchedule {
 public:
  // Reserves `duration` at or after `request`; returns the start time.
  sc_core::sc_time reserve(const sc_core::sc_time& request, const sc_core::sc_time& duration,
                           const sc_core::sc_time& now = sc_core::sc_time_stamp()) {
    const uint64_t s = reserve(request.value(), duration.value(), now.value());
    // Most starts are the request or the previous reservation's end: those
    // need no conversion (SystemC builds a time from a count out of line).
    const sc_core::sc_time start = s == request.value()     ? request
                                   : s == prev_end_.value() ? prev_end_
                                                            : sc_core::sc_time::from_value(s);
    prev_end_ = start + duration;
    return start;
  }

  uint64_t reserve(uint64_t request, uint64_t duration,
                   uint64_t now = sc_core::sc_time_stamp().value()) {
    // The two common cases, inline and without pruning first: the last
    // interval is live exactly when it ends after `now` (intervals are
    // disjoint and sorted, so their ends are too), which is what the pruned
    // table would say. A request inside the last interval (a stream queued
    // behind its own transfers) starts at its end, which it extends: what
    // the search below finds, without it.
    const bool live = !busy_.empty() && busy_.back().second > now;
    if (live && request >= busy_.back().first && request < busy_.back().second) {
      const uint64_t start = busy_.back().second;
      busy_.back().second = start + duration;
      return start;
    }
    // At or after every reservation (no search).
    if (!live || request >= busy_.back().second) {
      if (duration == 0) return request;
      if (live && busy_.back().second == request) {
        busy_.back().second = request + duration;
      } else {
        prune(now);  // only a new interval grows the table
        busy_.emplace_back(request, request + duration);
      }
      return request;
    }
    return reserve_between(request, duration, now);
  }

 private:
  using Interval = std::pair<uint64_t, uint64_t>;  // [start, end)
  // A request before the last reservation's end: the earliest gap that fits.
  [[gnu::noinline]] uint64_t reserve_between(uint64_t request, uint64_t duration, uint64_t now) {
    prune(now);
    const auto first = busy_.begin() + static_cast<std::ptrdiff_t>(head_);
    const auto by_start = [](uint64_t t, const Interval& i) { return t < i.first; };
    uint64_t start = request;
    // The interval starting at or before `request` may still cover it.
    auto it = std::upper_bound(first, busy_.end(), start, by_start);
    if (it != first && std::prev(it)->second > start) start = std::prev(it)->second;
    // Walk forward until the gap before the next interval is wide enough.
    it = std::lower_bound(first, busy_.end(), start,
                          [](const Interval& i, uint64_t t) { return i.first < t; });
    for (; it != busy_.end(); ++it) {
      if (it->first >= start + duration) break;
      if (it->second > start) start = it->second;
    }
    if (duration > 0) {
      const uint64_t end = start + duration;
      auto at = std::upper_bound(busy_.begin() + static_cast<std::ptrdiff_t>(head_), busy_.end(),
                                 start, by_start);
      // The gap [start, end) is free: join the interval ending at start and
      // the one starting at end, if any.
      const bool join_prev = at != busy_.begin() + static_cast<std::ptrdiff_t>(head_) &&
                             std::prev(at)->second == start;
      const bool join_next = at != busy_.end() && at->first == end;
      if (join_prev && join_next) {
        std::prev(at)->second = at->second;
        busy_.erase(at);
      } else if (join_prev) {
        std::prev(at)->second = end;
      } else if (join_next) {
        at->first = start;
      } else {
        busy_.insert(at, Interval(start, end));
      }
    }
    return start;
  }
  // Intervals that ended before `now` can never matter again.
  void prune(uint64_t now) {
    while (head_ < busy_.size() && busy_[head_].second <= now) ++head_;
    if (head_ > 64 && head_ * 2 > busy_.size()) {
      busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  std::vector<Interval> busy_;  // sorted by start; [head_, end) live
  size_t head_ = 0;
  sc_core::sc_time prev_end_;  // the last reservation's end
};

}  // namespace ssmsim
