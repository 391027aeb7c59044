// DRAMSys's headers first: inside namespace DRAMSys, the forward declaration
// of class DRAMSys::DRAMSys in our header would hide DRAMSys::Config.
#include <DRAMSys/config/DRAMSysConfiguration.h>
#include <DRAMSys/simulation/DRAMSys.h>
// clang-format off
#include "hw/dramsys_memory.hpp"
// clang-format on

#include <fmt/format.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <cmath>
#include <iostream>
#include <set>

#include "common/error.hpp"
#include "hw/mem_stream.hpp"
#include "hw/memory_map.hpp"

namespace ssmsim {

using sc_core::sc_time;

namespace {

unsigned log2_exact(uint64_t v) {
  unsigned b = 0;
  while ((uint64_t(1) << b) < v) ++b;
  return b;
}

bool power_of_two(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

const char* standard_key(DramStandard s) {
  return s == DramStandard::kHbm2 ? "hbm2" : s == DramStandard::kDdr4 ? "ddr4" : "lpddr4";
}

// Timing parameters counted in clock cycles by the standard (burst
// lengths, command-to-command spacing, preambles): they keep their cycles
// at another rate. Every other one is a time in ns and keeps its ns.
const std::set<std::string>& cycle_params(DramStandard s) {
  static const std::set<std::string> lpddr4 = {"CCD",   "CCDMW", "DQSS", "DQS2DQ",
                                               "DQSCK", "WPRE",  "RPST", "RTRS"};
  static const std::set<std::string> hbm2 = {"CCDL", "CCDS", "CCDR", "DQSCK", "PL"};
  static const std::set<std::string> ddr4 = {"CCD_L",  "CCD_S",   "AL",    "RPRE",
                                             "WPRE",   "RTRS",    "DQSCK", "ACTPDEN",
                                             "PRPDEN", "REFPDEN", "REFM"};
  return s == DramStandard::kHbm2 ? hbm2 : s == DramStandard::kDdr4 ? ddr4 : lpddr4;
}

// Transaction size and channel interleave: one LPDDR4 BL32 burst; two HBM2
// BL4 bursts; one DDR4 BL8 burst on a 64-bit DIMM.
constexpr uint64_t kTxnBytes = 64;

// Highest data rate accepted, relative to the spec's own speed bin: a
// little beyond it is the next bin of the same devices (HBM2 at 2.4 Gb/s);
// much beyond it the timings would describe parts that do not exist.
constexpr double kMaxRateOverSpec = 1.25;
constexpr double kMinRateOverSpec = 1.0 / 16;

nlohmann::json bits(unsigned& next, unsigned n) {
  nlohmann::json a = nlohmann::json::array();
  for (unsigned i = 0; i < n; ++i) a.push_back(next++);
  return a;
}

}  // namespace

uint64_t dramsys_address(uint64_t addr, uint64_t capacity_bytes) {
  const DramWindow w = dram_window(addr);
  const uint64_t quarter = capacity_bytes / kDramWindows;
  return static_cast<uint64_t>(w) * quarter + (addr - dram_window_base(w)) % quarter;
}

DramsysSetup dramsys_setup(const DramConfig& cfg) {
  const char* key = standard_key(cfg.standard);
  const DramsysSpecText* spec = nullptr;
  for (const auto& s : dramsys_spec_texts()) {
    if (std::string(s.standard) == key) spec = &s;
  }
  if (spec == nullptr) throw Error(std::string("dram.standard = ") + key + ": no spec compiled in");
  if (!power_of_two(static_cast<uint64_t>(cfg.channels))) {
    throw Error(fmt::format(
        "dram.channels = {}: DRAMSys decodes the channel from address bits, expected a power "
        "of two",
        cfg.channels));
  }
  DramsysSetup out;
  out.memspec_file = spec->file;
  nlohmann::json ms = nlohmann::json::parse(spec->json).at("memspec");
  nlohmann::json& arch = ms.at("memarchitecturespec");
  nlohmann::json& timing = ms.at("memtimingspec");
  const auto get = [&](const char* k, uint64_t def) {
    return arch.contains(k) ? arch.at(k).get<uint64_t>() : def;
  };
  const uint64_t width = get("width", 0), devices = get("nbrOfDevices", 1),
                 pseudo = get("nbrOfPseudoChannels", 1), data_rate = get("dataRate", 2);
  const uint64_t beat_bytes = width * devices / 8;  // one device set (one pseudo-channel)
  out.channel_bytes = beat_bytes * pseudo;
  const auto base_tck = timing.at("tCK").get<uint32_t>();
  out.base_rate_mtps = 1e6 * static_cast<double>(data_rate) / base_tck;
  const auto channels = static_cast<uint64_t>(cfg.channels);
  const double want_rate =
      cfg.bandwidth_gbps * 1e3 / static_cast<double>(channels * out.channel_bytes);
  if (want_rate > out.base_rate_mtps * kMaxRateOverSpec ||
      want_rate < out.base_rate_mtps * kMinRateOverSpec) {
    throw Error(fmt::format(
        "dram.bandwidth_gbps = {} over dram.channels = {} {} channels of {} bytes per beat "
        "needs {:.0f} MT/s per pin; the {} spec ({}) runs at {:.0f}: expected a rate in "
        "[{:.0f}, {:.0f}] MT/s (change dram.channels)",
        cfg.bandwidth_gbps, cfg.channels, dram_standard_name(cfg.standard), out.channel_bytes,
        want_rate, dram_standard_name(cfg.standard), spec->file, out.base_rate_mtps,
        out.base_rate_mtps * kMinRateOverSpec, out.base_rate_mtps * kMaxRateOverSpec));
  }
  out.tck_ps = static_cast<uint32_t>(std::lround(1e6 * static_cast<double>(data_rate) / want_rate));
  out.rate_mtps = 1e6 * static_cast<double>(data_rate) / out.tck_ps;
  out.peak_gbps = out.rate_mtps * static_cast<double>(channels * out.channel_bytes) / 1e3;
  const auto& keep = cycle_params(cfg.standard);
  for (auto it = timing.begin(); it != timing.end(); ++it) {
    if (it.key() == "tCK" || keep.count(it.key()) != 0) continue;
    const auto old = it.value().get<uint32_t>();
    const double ns = static_cast<double>(old) * base_tck;
    it.value() = static_cast<uint32_t>(std::ceil(ns / out.tck_ps - 1e-9));
  }
  timing["tCK"] = out.tck_ps;
  arch["nbrOfChannels"] = channels;

  // Address bits, lowest first: bytes of a beat; the beats of one 64-byte
  // transaction; channel and pseudo-channel, then bank group and bank, so
  // that a stream interleaves over all of them in 64-byte steps and every
  // bank's activation overlaps the others' transfers; the rest of the
  // column, so that each bank reads along its open row; stack, rank; the
  // row. (With the bank bits above the column, a stream keeps one bank per
  // channel busy and pays every row switch: HBM2 streams measured 56% of
  // the peak instead of 87%: docs/dram.md.)
  const uint64_t columns = get("nbrOfColumns", 0), banks = get("nbrOfBanks", 1),
                 groups = get("nbrOfBankGroups", 1), stacks = get("nbrOfStacks", 1),
                 ranks = get("nbrOfRanks", 1), rows = get("nbrOfRows", 0);
  out.txn_bytes = kTxnBytes;
  const unsigned txn_beats = log2_exact(out.txn_bytes / beat_bytes);
  unsigned next = 0;
  nlohmann::json am;
  am["BYTE_BIT"] = bits(next, log2_exact(beat_bytes));
  nlohmann::json col = bits(next, txn_beats);
  out.channel_shift = next;
  if (channels > 1) am["CHANNEL_BIT"] = bits(next, log2_exact(channels));
  if (pseudo > 1) am["PSEUDOCHANNEL_BIT"] = bits(next, log2_exact(pseudo));
  if (groups > 1) am["BANKGROUP_BIT"] = bits(next, log2_exact(groups));
  if (banks / groups > 1) am["BANK_BIT"] = bits(next, log2_exact(banks / groups));
  for (auto& b : bits(next, log2_exact(columns) - txn_beats)) col.push_back(b);
  am["COLUMN_BIT"] = col;
  if (stacks > 1) am["STACK_BIT"] = bits(next, log2_exact(stacks));
  if (ranks > 1 && pseudo <= 1) am["RANK_BIT"] = bits(next, log2_exact(ranks));
  am["ROW_BIT"] = bits(next, log2_exact(rows));
  out.capacity_bytes = uint64_t(1) << next;

  nlohmann::json c;
  c["addressmapping"] = am;
  c["memspec"] = ms;
  // DRAMSys's example controller (configs/mcconfig/fr_fcfs.json): open
  // page, FR-FCFS with bank-wise buffers, all-bank refresh.
  c["mcconfig"] = {{"PagePolicy", "Open"},
                   {"Scheduler", "FrFcfs"},
                   {"SchedulerBuffer", "Bankwise"},
                   {"RequestBufferSize", 8},
                   {"CmdMux", "Oldest"},
                   {"RespQueue", "Fifo"},
                   {"RefreshPolicy", "AllBank"},
                   {"RefreshMaxPostponed", 0},
                   {"RefreshMaxPulledin", 0},
                   {"PowerDownPolicy", "NoPowerDown"},
                   {"Arbiter", "Simple"},
                   {"MaxActiveTransactions", 128},
                   {"RefreshManagement", false}};
  c["simconfig"] = {
      {"AddressOffset", 0},         {"CheckTLM2Protocol", false},
      {"DatabaseRecording", false}, {"Debug", false},
      {"EnableWindowing", false},   {"PowerAnalysis", cfg.standard == DramStandard::kDdr4},
      {"SimulationName", "ssmsim"}, {"SimulationProgressBar", false},
      {"StoreMode", "NoStorage"},   {"UseMalloc", false},
      {"WindowSize", 1000}};
  c["simulationid"] = "ssmsim";
  out.config = c;
  // The share of time all-bank refresh takes from every bank: a bound on
  // any access pattern's efficiency.
  const char* rfc = timing.contains("RFCAB") ? "RFCAB" : "RFC";
  out.refresh_share = timing.at(rfc).get<double>() / timing.at("REFI").get<double>();
  out.text = fmt::format(
      "DRAMSys {} x {} channel(s) of {} bit at {:.0f} MT/s ({} at {:.0f}{}), peak {:.2f} GB/s, "
      "{} MiB, open page FR-FCFS, 64-byte channel interleave, refresh {:.1f}% of the time",
      dram_standard_name(cfg.standard), channels, out.channel_bytes * 8, out.rate_mtps, spec->file,
      out.base_rate_mtps,
      std::abs(out.rate_mtps - out.base_rate_mtps) < 1 ? "" : ", timings kept in ns", out.peak_gbps,
      out.capacity_bytes >> 20, 100 * out.refresh_share);
  return out;
}

// Payloads come from a pool and go back to it when DRAMSys releases them.
class DramsysMemory::Pool : public tlm::tlm_mm_interface {
 public:
  // Which transfer a transaction belongs to.
  struct Owner : tlm::tlm_extension<Owner> {
    Transfer* transfer = nullptr;
    tlm::tlm_extension_base* clone() const override { return new Owner(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override {
      transfer = static_cast<const Owner&>(o).transfer;
    }
  };

  ~Pool() override {
    for (auto* p : all_) delete p;
  }
  tlm::tlm_generic_payload* get() {
    if (free_.empty()) {
      auto* p = new tlm::tlm_generic_payload(this);
      p->set_extension(new Owner);
      all_.push_back(p);
      return p;
    }
    auto* p = free_.back();
    free_.pop_back();
    return p;
  }
  void free(tlm::tlm_generic_payload* p) override {
    p->reset();  // drops DRAMSys's auto extensions; ours stays
    free_.push_back(p);
  }

 private:
  std::vector<tlm::tlm_generic_payload*> all_, free_;
};

struct DramsysMemory::Channel {
  explicit Channel(const std::string& name) : socket(name.c_str()) {}
  tlm_utils::simple_initiator_socket_tagged<DramsysMemory> socket;
  std::deque<tlm::tlm_generic_payload*> queue;
  sc_core::sc_event queued, end_req;
  bool request_open = false;
};

namespace {
uint8_t scratch[kTxnBytes];  // DRAMSys stores nothing (StoreMode NoStorage)
}

DramsysMemory::DramsysMemory(sc_core::sc_module_name name, const DramConfig& cfg,
                             const TraceWindow* window)
    : sc_module(name),
      noc2dram("noc2dram"),
      setup_(dramsys_setup(cfg)),
      window_(window),
      pool_(std::make_unique<Pool>()),
      bandwidth_("bandwidth", window) {
  noc2dram.register_b_transport(this, &DramsysMemory::b_transport);
  cout_buf_ = std::cout.rdbuf(banner_.rdbuf());
  try {
    const auto config = setup_.config.get<::DRAMSys::Config::Configuration>();
    dramsys_ = std::make_unique<::DRAMSys::DRAMSys>("dramsys", config);
  } catch (const nlohmann::json::exception& e) {
    std::cout.rdbuf(cout_buf_);  // no destructor runs for a failed constructor
    cout_buf_ = nullptr;
    throw Error(std::string("dram.model = dramsys: DRAMSys rejected the configuration: ") +
                e.what());
  } catch (...) {
    std::cout.rdbuf(cout_buf_);
    cout_buf_ = nullptr;
    throw;
  }
  for (int64_t ch = 0; ch < cfg.channels; ++ch) {
    channels_.push_back(std::make_unique<Channel>("port2ch" + std::to_string(ch)));
    Channel& c = *channels_.back();
    c.socket.register_nb_transport_bw(this, &DramsysMemory::nb_transport_bw, static_cast<int>(ch));
    c.socket.bind(dramsys_->tSocket);
    sc_core::sc_spawn_options opt;
    sc_core::sc_spawn([this, ch] { issue(static_cast<int>(ch)); },
                      ("issue" + std::to_string(ch)).c_str(), &opt);
  }
  SC_METHOD(on_change);
  sensitive << changed_ << window_open_ev_;
  dont_initialize();
}

DramsysMemory::~DramsysMemory() {
  if (cout_buf_ != nullptr) std::cout.rdbuf(cout_buf_);
}

void DramsysMemory::b_transport(tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (stream_source(trans) != nullptr) {
    // DRAMSys runs in kernel time, one request at a time (units send it no
    // streams: UnitBase::streams_to_memory).
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  // DRAMSys runs in kernel time: the request leaves at its annotated time.
  if (delay > sc_core::SC_ZERO_TIME) wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  const sc_time start = sc_core::sc_time_stamp();
  const uint64_t addr = trans.get_address(), bytes = trans.get_data_length();
  if (bytes == 0) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  const uint64_t first = addr / setup_.txn_bytes, last = (addr + bytes - 1) / setup_.txn_bytes;
  Transfer t;
  t.left = last - first + 1;
  const tlm::tlm_command cmd = trans.get_command();
  const uint64_t mask = channels_.size() - 1;
  for (uint64_t g = first; g <= last; ++g) {
    tlm::tlm_generic_payload* p = pool_->get();
    p->set_command(cmd);
    p->set_address(dramsys_address(g * setup_.txn_bytes, setup_.capacity_bytes));
    p->set_data_ptr(scratch);
    p->set_data_length(setup_.txn_bytes);
    p->set_streaming_width(setup_.txn_bytes);
    p->set_byte_enable_ptr(nullptr);
    p->set_dmi_allowed(false);
    p->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    p->get_extension<Pool::Owner>()->transfer = &t;
    p->acquire();
    Channel& c = *channels_[(p->get_address() >> setup_.channel_shift) & mask];
    c.queue.push_back(p);
    c.queued.notify(sc_core::SC_ZERO_TIME);
  }
  wave_.in_flight += static_cast<int>(t.left);
  stats_.accesses += 1;
  stats_.bursts += t.left;
  stats_.busy_time +=
      sc_time(static_cast<double>(t.left * setup_.txn_bytes) / setup_.peak_gbps, sc_core::SC_NS);
  (trans.is_read() ? stats_.read_bytes : stats_.write_bytes) += bytes;
  const auto w = static_cast<size_t>(dram_window(addr));
  (trans.is_read() ? stats_.window_read_bytes[w] : stats_.window_write_bytes[w]) += bytes;
  if (window_ && window_->enabled) changed_.notify(sc_core::SC_ZERO_TIME);
  while (t.left > 0) wait(t.done);
  stats_.active.add(start, sc_core::sc_time_stamp());
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void DramsysMemory::issue(int ch) {
  // One request phase at a time per socket (TLM-2.0's exclusion rule): the
  // next transaction goes when DRAMSys has taken this one (END_REQ).
  Channel& c = *channels_[static_cast<size_t>(ch)];
  for (;;) {
    while (c.queue.empty()) wait(c.queued);
    tlm::tlm_generic_payload* p = c.queue.front();
    c.queue.pop_front();
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time d = sc_core::SC_ZERO_TIME;
    c.request_open = true;
    const tlm::tlm_sync_enum s = c.socket->nb_transport_fw(*p, phase, d);
    if (s == tlm::TLM_UPDATED && phase == tlm::END_REQ) c.request_open = false;
    while (c.request_open) wait(c.end_req);
  }
}

tlm::tlm_sync_enum DramsysMemory::nb_transport_bw(int ch, tlm::tlm_generic_payload& trans,
                                                  tlm::tlm_phase& phase, sc_time& delay) {
  Channel& c = *channels_[static_cast<size_t>(ch)];
  if (phase == tlm::END_REQ) {
    c.request_open = false;
    c.end_req.notify(delay);
    return tlm::TLM_ACCEPTED;
  }
  if (phase == tlm::BEGIN_RESP) {
    Transfer* t = trans.get_extension<Pool::Owner>()->transfer;
    if (--t->left == 0) t->done.notify(delay);
    --wave_.in_flight;
    wave_.bytes_done += setup_.txn_bytes;
    // Each transaction's data, at the time it has crossed the bus.
    const sc_time at = sc_core::sc_time_stamp() + delay;
    bandwidth_.add(at, at, setup_.txn_bytes, trans.is_read());
    if (window_ && window_->enabled) changed_.notify(delay);
    trans.release();
    phase = tlm::END_RESP;
    return tlm::TLM_UPDATED;
  }
  return tlm::TLM_ACCEPTED;
}

double DramsysMemory::drampower_energy_pj() const {
  // DRAMSys prints each channel's DRAMPower total ("<dram>  Total Energy:
  // <pJ> pJ") when the simulation ends and keeps the object private: the
  // captured text is the one place the figure is.
  const std::string text = banner_.str();
  const std::string key = "Total Energy:";
  double sum = 0;
  int found = 0;
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    sum += std::strtod(text.c_str() + at + key.size(), nullptr);
    ++found;
  }
  return found > 0 ? sum : -1.0;
}

void DramsysMemory::start_of_simulation() {
  if (window_ && window_->opens_late()) window_open_ev_.notify(window_->start);
}

void DramsysMemory::on_change() {
  if (window_->active()) wave_.publish();
}

void DramsysMemory::trace(sc_core::sc_trace_file* tf) const {
  wave_.trace(tf);
  bandwidth_.trace(tf, "dram", false);
}

}  // namespace ssmsim
