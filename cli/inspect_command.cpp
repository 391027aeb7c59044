// ssmsim inspect: what a trace or checkpoint holds, after every check the
// simulator applies to it (a quick way to validate a dump).
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "common/error.hpp"
#include "io/checkpoint.hpp"
#include "io/trace.hpp"
#include "sim/report.hpp"

namespace po = boost::program_options;

namespace ssmsim {

namespace {

void print_dims(const ModelDims& d) {
  if (d.mamba2()) {
    std::cout << fmt::format(
        "model {} (Mamba-2, SSD): d_model {}, n_layer {}, d_inner {} = {} heads x head_dim {}, "
        "n_groups {}, d_state {}, chunk_size {}, d_conv {} over {} channels (x, B, C), vocab {}\n",
        d.name, d.d_model, d.n_layer, d.d_inner, d.n_heads, d.head_dim, d.n_groups, d.d_state,
        d.chunk_size, d.d_conv, d.conv_dim(), d.vocab_size);
    return;
  }
  std::cout << fmt::format(
      "model {} (Mamba-1): d_model {}, n_layer {}, d_inner {}, d_state {}, d_conv {}, dt_rank {}, "
      "vocab {}\n",
      d.name, d.d_model, d.n_layer, d.d_inner, d.d_state, d.d_conv, d.dt_rank, d.vocab_size);
}

void print_tensors(const SafetensorsFile& f, bool check_finite) {
  TextTable t({"tensor", "dtype", "shape", "elements", "bytes"});
  size_t total = 0;
  for (const auto& [name, v] : f.tensors()) {
    if (check_finite && dtype_is_float(v.dtype)) v.to_float_finite();
    t.add({name, dtype_name(v.dtype), v.shape_str(), std::to_string(v.numel),
           std::to_string(v.nbytes())});
    total += v.nbytes();
  }
  std::cout << t.str()
            << fmt::format("{} tensors, {} bytes of data, file {} bytes\n", f.tensors().size(),
                           total, f.file_size());
}

}  // namespace

int inspect_command(const Args& args) {
  std::string trace, model;
  po::options_description desc(
      "ssmsim inspect: check and summarise a trace or a checkpoint folder.\n\nOptions");
  desc.add_options()("help,h", "show this help")(
      "trace", po::value(&trace), "ssm-trace v1 file (activations are checked for NaN/Inf)")(
      "model", po::value(&model),
      "Hugging Face MambaForCausalLM or Mamba2ForCausalLM checkpoint folder");
  po::variables_map vm;
  if (!parse_options(
          args, desc, vm,
          "\nExample: ssmsim inspect --trace traces/default/mamba-bytes-a-sample0.safetensors\n"
          "         ssmsim inspect --model traces/default/mamba-bytes-a\n")) {
    return kExitOk;
  }
  if (trace.empty() == model.empty()) {
    throw po::error("give exactly one of --trace or --model");
  }
  if (!trace.empty()) {
    const Trace t(trace);
    std::cout << trace << ": ssm-trace v1 (" << model_arch_name(t.dims().arch) << "), batch "
              << t.batch() << ", seq_len " << t.seq_len() << "\n";
    print_dims(t.dims());
    print_tensors(t.file(), true);
  } else {
    const Checkpoint c(model);
    std::cout << model << ": checkpoint, " << c.shard_count() << " shard(s)\n";
    print_dims(c.dims());
    for (const auto& shard : c.shards()) {
      std::cout << "\n" << shard->path() << ":\n";
      print_tensors(*shard, true);
    }
  }
  return kExitOk;
}

}  // namespace ssmsim
