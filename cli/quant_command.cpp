// ssmsim quant: the options; quantify() (sim/quantify.hpp) measures, the
// report (sim/quant_report.hpp) writes.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "sim/quant_report.hpp"
#include "sim/report.hpp"

namespace po = boost::program_options;

namespace ssmsim {

namespace {

struct QuantOptions {
  std::string trace;
  std::string tensor;  // empty: the SSM input of the trace's architecture
  std::string quantizer = "all";
  double percentile = 99.99;
  std::vector<std::string> calib;
  std::string out = "out";
  bool force = false;
  quant::SoftEdgeParams se;
};

}  // namespace

int quant_command(const Args& args) {
  QuantOptions o;
  po::options_description desc(
      "ssmsim quant: quantization error of one activation tensor, layer by layer.\n"
      "The scale of each layer is the --percentile of |x| over the calibration\n"
      "samples (one sample per batch row, folded by Quamba's EMA), / 127.\n\nOptions");
  desc.add_options()("help,h", "show this help")("trace", po::value(&o.trace)->required(),
                                                 "ssm-trace v1 file to measure (required)")(
      "tensor", po::value(&o.tensor)->default_value(o.tensor, "the SSM input"),
      "per-layer tensor; default: the SSM input, ssm.u (Mamba-1) or ssm.x (Mamba-2). "
      "Mamba-1: ssm.u, x, z, ssm.dt, ssm.B, ssm.C, ssm.y, mixer.in, mixer.out; Mamba-2: "
      "ssm.x, z, xBC, ssm.B, ssm.C, ssm.dt, ssm.y, norm.out, mixer.in, mixer.out")(
      "quantizer", po::value(&o.quantizer)->default_value(o.quantizer),
      "int8 (Quamba, hard clip), se (soft-edge 8+1-bit code), se-authors (the "
      "authors' 9-bit grid) or all")(
      "percentile", po::value(&o.percentile)->default_value(o.percentile, "99.99"),
      "calibration percentile of |x| in percent, (0, 100]; 100 = max")(
      "calib", po::value(&o.calib)->multitoken(),
      "trace file(s) to calibrate on (EMA over their samples); default: the measured trace itself")(
      "se-small-shift", po::value(&o.se.small_shift)->default_value(o.se.small_shift),
      "soft-edge small step = s / 2^shift")(
      "se-large-shift", po::value(&o.se.large_shift)->default_value(o.se.large_shift),
      "soft-edge large step = s * 2^shift")(
      "se-payload-bits", po::value(&o.se.payload_bits)->default_value(o.se.payload_bits),
      "soft-edge payload bits of a flagged word (1..6)")(
      "out", po::value(&o.out)->default_value(o.out), "output folder for quant.json and quant.csv")(
      "force", po::bool_switch(&o.force), "overwrite existing results in --out");
  po::variables_map vm;
  if (!parse_options(
          args, desc, vm,
          "\nWrites: OUT/quant.json, OUT/quant.csv (one row per layer and quantizer).\n"
          "Example: ssmsim quant --trace traces/default/mamba-bytes-a-sample0.safetensors "
          "--out out/quant\n")) {
    return kExitOk;
  }

  std::vector<quant::QuantKind> kinds;
  if (o.quantizer == "all") {
    kinds = {quant::QuantKind::kInt8, quant::QuantKind::kSe, quant::QuantKind::kSeAuthors};
  } else {
    kinds = {quant::parse_kind(o.quantizer, "--quantizer")};
  }
  if (!(o.percentile > 0.0 && o.percentile <= 100.0)) {
    throw Error("--percentile = " + num(o.percentile) + ": expected a value in (0, 100]");
  }
  o.se.validate();

  QuantifyRequest req;
  req.trace = o.trace;
  req.tensor = o.tensor;
  req.kinds = kinds;
  req.percentile = o.percentile;
  req.calib = o.calib;
  req.se = o.se;
  prepare_output_dir(o.out, {"quant.json", "quant.csv"}, o.force);
  const QuantifyResult res = quantify(req);
  write_quant_report(res, o.quantizer, o.out);
  return kExitOk;
}

}  // namespace ssmsim
