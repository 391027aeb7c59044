#include "sim/dram_calibration.hpp"

#include <fmt/format.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <chrono>
#include <functional>
#include <systemc>

#include "common/error.hpp"
#include "hw/dramsys_memory.hpp"

namespace ssmsim {

#ifdef SSMSIM_HAVE_DRAMSYS

namespace {

using sc_core::sc_time;

constexpr uint64_t kStreamBytes = uint64_t(32) << 20;  // per stream pattern
constexpr uint64_t kStreamTransfer = uint64_t(64) << 10;
constexpr int kStreamOutstanding = 4;
constexpr int kLatencyProbes = 256;
constexpr uint64_t kRandomTransfers = 65536;
constexpr int kRandomOutstanding = 32;
constexpr uint64_t kStridedTransfers = 16384, kStridedBytes = 1024, kStride = uint64_t(64) << 10;

double ns(const sc_time& t) { return t.to_seconds() * 1e9; }

// Drives the memory's noc2dram socket as the units do (b_transport, one
// transfer per call, several callers in flight).
class DramProbe : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DramProbe> probe2dram;

  SC_HAS_PROCESS(DramProbe);
  DramProbe(sc_core::sc_module_name name, const DramsysSetup& setup, DramCalibration& out)
      : sc_module(name), probe2dram("probe2dram"), setup_(setup), out_(out) {
    SC_THREAD(run);
  }

 private:
  struct Job {
    std::string name, what;
    int outstanding = 1;
    uint64_t transfers = 0, transfer_bytes = 0;
    // Address and direction of transfer i.
    std::function<uint64_t(uint64_t)> addr;
    std::function<bool(uint64_t)> read;
  };

  sc_time transfer(uint64_t addr, uint64_t bytes, bool read) {
    tlm::tlm_generic_payload p;
    p.set_command(read ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND);
    p.set_address(addr);
    p.set_data_ptr(scratch_);
    p.set_data_length(static_cast<unsigned>(bytes));
    p.set_streaming_width(static_cast<unsigned>(bytes));
    p.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    const sc_time start = sc_core::sc_time_stamp();
    sc_time d = sc_core::SC_ZERO_TIME;
    probe2dram->b_transport(p, d);
    if (d > sc_core::SC_ZERO_TIME) wait(d);
    if (p.is_response_error()) throw Error("dram-calibrate: the memory failed a transfer");
    return sc_core::sc_time_stamp() - start;
  }

  DramPatternResult measure(const Job& job) {
    const sc_time start = sc_core::sc_time_stamp();
    uint64_t next = 0;
    int running = job.outstanding;
    double latency_sum = 0;
    sc_core::sc_event finished;
    for (int w = 0; w < job.outstanding; ++w) {
      sc_core::sc_spawn([&] {
        while (next < job.transfers) {
          const uint64_t i = next++;
          latency_sum += ns(transfer(job.addr(i), job.transfer_bytes, job.read(i)));
        }
        if (--running == 0) finished.notify();
      });
    }
    while (running > 0) wait(finished);
    DramPatternResult r;
    r.name = job.name;
    r.what = job.what;
    r.transfers = job.transfers;
    r.bytes = job.transfers * job.transfer_bytes;
    r.outstanding = job.outstanding;
    r.time_ns = ns(sc_core::sc_time_stamp() - start);
    r.mean_latency_ns = latency_sum / static_cast<double>(job.transfers);
    const double busy_ns = r.time_ns - out_.latency_ns;
    r.effective_gbps = busy_ns > 0 ? static_cast<double>(r.bytes) / busy_ns : 0;
    r.efficiency = r.effective_gbps / setup_.peak_gbps;
    wait(sc_time(10, sc_core::SC_US));  // the memory drains before the next pattern
    return r;
  }

  void run() {
    // Addresses inside the weights window (ssmsim's addresses): a quarter
    // of the capacity.
    const uint64_t span = setup_.capacity_bytes / 4;
    uint64_t lcg = 0x9e3779b97f4a7c15ull;
    auto random_txn = [&, span](uint64_t) {
      lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
      return ((lcg >> 11) % (span / setup_.txn_bytes)) * setup_.txn_bytes;
    };
    // Isolated reads at random rows, far apart: the load-to-use latency
    // beyond one transaction's transfer time.
    double latency_sum = 0;
    const sc_time start = sc_core::sc_time_stamp();
    for (int i = 0; i < kLatencyProbes; ++i) {
      latency_sum += ns(transfer(random_txn(0), setup_.txn_bytes, true));
      wait(sc_time(1, sc_core::SC_US));
    }
    const double transfer_ns = static_cast<double>(setup_.txn_bytes) / setup_.peak_gbps;
    out_.latency_ns = latency_sum / kLatencyProbes - transfer_ns;
    DramPatternResult lat;
    lat.name = "latency";
    lat.what =
        fmt::format("{} isolated 64-byte reads at random addresses, 1 us apart", kLatencyProbes);
    lat.bytes = kLatencyProbes * setup_.txn_bytes;
    lat.transfers = kLatencyProbes;
    lat.outstanding = 1;
    lat.time_ns = ns(sc_core::sc_time_stamp() - start);
    lat.mean_latency_ns = latency_sum / kLatencyProbes;
    out_.patterns.push_back(lat);

    const uint64_t n = kStreamBytes / kStreamTransfer;
    const auto seq = [](uint64_t base) {
      return [base](uint64_t i) { return base + i * kStreamTransfer; };
    };
    const std::string stream_what =
        fmt::format("{} MiB in {} KiB transfers at consecutive addresses, {} in flight",
                    kStreamBytes >> 20, kStreamTransfer >> 10, kStreamOutstanding);
    out_.patterns.push_back(measure({"seq_read", "reads: " + stream_what, kStreamOutstanding, n,
                                     kStreamTransfer, seq(0), [](uint64_t) { return true; }}));
    out_.patterns.push_back(measure({"seq_write", "writes: " + stream_what, kStreamOutstanding, n,
                                     kStreamTransfer, seq(0), [](uint64_t) { return false; }}));
    // Reads and writes alternate, each over its own region (read/write
    // turnarounds on the bus).
    out_.patterns.push_back(
        measure({"seq_mixed", "reads and writes alternating: " + stream_what, kStreamOutstanding, n,
                 kStreamTransfer,
                 [](uint64_t i) { return (i % 2) * kStreamBytes + (i / 2) * kStreamTransfer; },
                 [](uint64_t i) { return i % 2 == 0; }}));
    // 1 KiB pieces 64 KiB apart (a column block of a row-major matrix):
    // every piece opens a new row in its banks.
    out_.patterns.push_back(measure(
        {"strided_read",
         fmt::format("{} reads of {} KiB at a {} KiB stride, {} in flight", kStridedTransfers,
                     kStridedBytes >> 10, kStride >> 10, kRandomOutstanding),
         kRandomOutstanding, kStridedTransfers, kStridedBytes,
         [](uint64_t i) { return i * kStride; }, [](uint64_t) { return true; }}));
    out_.patterns.push_back(
        measure({"random_read",
                 fmt::format("{} 64-byte reads at random addresses, {} in flight", kRandomTransfers,
                             kRandomOutstanding),
                 kRandomOutstanding, kRandomTransfers, setup_.txn_bytes, random_txn,
                 [](uint64_t) { return true; }}));
    for (const auto& p : out_.patterns) {
      if (p.name == "seq_read") out_.read_efficiency = p.efficiency;
      if (p.name == "seq_write") out_.write_efficiency = p.efficiency;
    }
    sc_core::sc_stop();  // DRAMSys refreshes forever
  }

  const DramsysSetup& setup_;
  DramCalibration& out_;
  uint8_t scratch_[kStreamTransfer] = {};
};

}  // namespace

DramCalibration calibrate_dram(const DramConfig& cfg) {
  DramConfig c = cfg;
  c.model = DramModel::kDramsys;
  DramCalibration out;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const auto wall0 = std::chrono::steady_clock::now();
  DramsysMemory mem("dram", c, nullptr);
  out.dram_text = mem.setup().text;
  out.peak_gbps = mem.setup().peak_gbps;
  DramProbe probe("probe", mem.setup(), out);
  probe.probe2dram.bind(mem.noc2dram);
  sc_core::sc_start();
  out.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return out;
}

#else

DramCalibration calibrate_dram(const DramConfig&) {
  throw Error(std::string("dram-calibrate: this build has no DRAMSys: ") + no_dramsys_reason());
}

#endif

}  // namespace ssmsim
