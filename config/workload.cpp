#include "config/workload.hpp"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.hpp"
#include "common/json_file.hpp"
#include "common/json_text.hpp"
#include "config/arch_config.hpp"

namespace ssmsim {

namespace fs = std::filesystem;

namespace {

// In quant::SeRegion order.
const char* kRegionNames[4] = {"normal", "small", "large", "saturated"};

nlohmann::json preset_json(const Preset& p) {
  return nlohmann::json::parse(p.text);  // checked by tests/config/test_workload.cpp
}

int64_t get_int(const nlohmann::json& v, const std::string& where, const std::string& key,
                int64_t lo, int64_t hi) {
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    throw Error(fmt::format("{}: {} = {}: expected an integer in [{}, {}]", where, key,
                            json_text(v), lo, hi));
  }
  return v.get<int64_t>();
}

void check_version(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  if (!j.contains("version") || j["version"] != 1) {
    throw Error(where +
                ": version = " + (j.contains("version") ? json_text(j["version"]) : "none") +
                ": expected \"version\": 1");
  }
}

std::string text_value(const nlohmann::json& v, const std::string& where, const std::string& key) {
  if (!v.is_string())
    throw Error(where + ": " + key + " = " + json_text(v) + ": expected a string");
  return v.get<std::string>();
}

}  // namespace

bool names_a_file(const std::string& arg) {
  return arg.find('/') != std::string::npos ||
         (arg.size() > 5 && arg.compare(arg.size() - 5, 5, ".json") == 0);
}

const Preset* find_preset(const std::string& kind, const std::string& name) {
  for (const Preset& p : builtin_presets()) {
    if (kind == p.kind && name == p.name) return &p;
  }
  return nullptr;
}

std::string preset_names(const std::string& kind) {
  std::string out;
  for (const Preset& p : builtin_presets()) {
    if (kind == p.kind) out += (out.empty() ? "" : ", ") + std::string(p.name);
  }
  return out;
}

namespace {

const char* activation_name(FfnActivation a) {
  return a == FfnActivation::kRelu2 ? "relu2" : a == FfnActivation::kGeglu ? "geglu" : "swiglu";
}

// The registered kind's key named `key`, or nullptr.
const LayerKindKey* find_kind_key(const std::string& key) {
  for (const LayerKindModel* m : layer_kind_models()) {
    for (const LayerKindKey& k : m->keys) {
      if (key == k.name) return &k;
    }
  }
  return nullptr;
}

void set_kind_key(ModelDims& d, const LayerKindKey& k, int64_t v) {
  if (k.int_field) {
    d.*k.int_field = v;
  } else if (k.bool_field) {
    d.*k.bool_field = v != 0;
  } else if (k.activation_field) {
    d.*k.activation_field = static_cast<FfnActivation>(v);
  } else {
    d.kind_values[k.name] = v;
  }
}

int64_t kind_key_value(const ModelDims& d, const LayerKindKey& k) {
  if (k.int_field) return d.*k.int_field;
  if (k.bool_field) return d.*k.bool_field ? 1 : 0;
  if (k.activation_field) return static_cast<int64_t>(d.*k.activation_field);
  return d.value(k.name);
}

// One layer-kind key's value from the model file.
void parse_kind_key(ModelDims& d, const LayerKindKey& key, const nlohmann::json& v,
                    const std::string& where) {
  const std::string k = key.name;
  switch (key.type) {
    case LayerKindKey::Type::kInt:
      set_kind_key(d, key, get_int(v, where, k, key.lo, key.hi));
      return;
    case LayerKindKey::Type::kBool:
      if (!v.is_boolean())
        throw Error(where + ": " + k + " = " + json_text(v) + ": expected true or false");
      set_kind_key(d, key, v.get<bool>() ? 1 : 0);
      return;
    case LayerKindKey::Type::kActivation: {
      const std::string a = text_value(v, where, k);
      for (FfnActivation act :
           {FfnActivation::kRelu2, FfnActivation::kSwiglu, FfnActivation::kGeglu}) {
        if (a == activation_name(act)) return set_kind_key(d, key, static_cast<int64_t>(act));
      }
      throw Error(where + ": " + k + " = \"" + a +
                  "\": expected \"relu2\", \"swiglu\" or \"geglu\"");
    }
  }
}

// A hybrid's layer kinds (the registered ones) and the keys each needs:
// every kind the pattern names has its keys, and no key is given for a
// kind it does not name; absent optional keys take their defaults.
void validate_hybrid(ModelDims& d, const nlohmann::json& j, const std::string& where) {
  const std::vector<const LayerKindModel*>& kinds = layer_kind_models();
  if (!d.layer_pattern.empty()) {
    std::string letters, help;
    for (size_t i = 0; i < kinds.size(); ++i) {
      letters += static_cast<char>(kinds[i]->kind);
      help += std::string(i == 0                  ? ""
                          : i + 1 == kinds.size() ? " or "
                                                  : ", ") +
              kinds[i]->pattern_help;
    }
    const size_t bad = d.layer_pattern.find_first_not_of(letters);
    if (bad != std::string::npos) {
      throw Error(
          fmt::format("{}: layer_pattern = \"{}\": character {} is '{}'; expected {}, one "
                      "per layer",
                      where, d.layer_pattern, bad, d.layer_pattern[bad], help));
    }
    if (static_cast<int64_t>(d.layer_pattern.size()) != d.n_layer) {
      throw Error(fmt::format("{}: layer_pattern has {} layers, n_layer = {}", where,
                              d.layer_pattern.size(), d.n_layer));
    }
  }
  for (const LayerKindModel* m : kinds) {
    const bool used = d.has(m->kind);
    for (const LayerKindKey& key : m->keys) {
      const bool given = j.contains(key.name);
      if (used && key.required && !given) {
        throw Error(fmt::format("{}: missing key '{}' (layer_pattern has {} layers)", where,
                                key.name, m->name));
      }
      if (!used && given) {
        throw Error(fmt::format("{}: {} is for {} layers, and layer_pattern has none ('{}')", where,
                                key.name, m->name, static_cast<char>(m->kind)));
      }
      if (used && !given) set_kind_key(d, key, key.default_value);
    }
  }
  for (const LayerKindModel* m : kinds) {
    if (m->validate && d.has(m->kind)) m->validate(d, where);
  }
}

}  // namespace

ModelDims model_dims_from_json(const nlohmann::json& j, const std::string& where) {
  check_version(j, where);
  ModelDims d;
  int64_t expand = 2;
  bool have_dt_rank = false;
  for (const char* req : {"d_model", "n_layer", "vocab_size"}) {
    if (!j.contains(req)) throw Error(where + ": missing key '" + req + "'");
  }
  if (j.contains("arch")) {
    const std::string a = text_value(j["arch"], where, "arch");
    if (a == "mamba2") {
      d.arch = ModelArch::kMamba2;
    } else if (a != "mamba1") {
      throw Error(where + ": arch = \"" + a + "\": expected \"mamba1\" or \"mamba2\"");
    }
  }
  const bool m2 = d.mamba2();
  auto mamba2_only = [&](const std::string& k) {
    if (!m2) throw Error(where + ": " + k + " is a Mamba-2 key (set \"arch\": \"mamba2\")");
  };
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "version" || k == "source" || k == "arch") {
      if (k == "source") text_value(v, where, k);
    } else if (k == "name") {
      d.name = text_value(v, where, k);
    } else if (k == "d_model") {
      d.d_model = get_int(v, where, k, 1, 1 << 20);
    } else if (k == "n_layer") {
      d.n_layer = get_int(v, where, k, 1, 4096);
    } else if (k == "d_state") {
      d.d_state = get_int(v, where, k, 1, 4096);
    } else if (k == "d_conv") {
      d.d_conv = get_int(v, where, k, 1, 64);
    } else if (k == "expand") {
      expand = get_int(v, where, k, 1, 64);
    } else if (k == "d_inner") {  // for a width that is no multiple of d_model
      d.d_inner = get_int(v, where, k, 1, 1 << 20);
    } else if (k == "vocab_size") {
      d.vocab_size = get_int(v, where, k, 1, int64_t(1) << 24);
    } else if (k == "tie_word_embeddings") {
      if (!v.is_boolean())
        throw Error(where + ": " + k + " = " + json_text(v) + ": expected true or false");
      d.tie_word_embeddings = v.get<bool>();
    } else if (k == "published_params") {
      d.published_params = get_int(v, where, k, 1, int64_t(1) << 50);
    } else if (k == "dt_rank" && !m2) {
      if (v == "auto") continue;
      d.dt_rank = get_int(v, where, k, 1, 1 << 20);
      have_dt_rank = true;
    } else if (k == "head_dim") {
      mamba2_only(k);
      d.head_dim = get_int(v, where, k, 1, 1 << 16);
    } else if (k == "n_groups") {
      mamba2_only(k);
      d.n_groups = get_int(v, where, k, 1, 1 << 16);
    } else if (k == "chunk_size") {
      mamba2_only(k);
      d.chunk_size = get_int(v, where, k, 1, 1 << 16);
    } else if (k == "layer_pattern") {
      d.layer_pattern = text_value(v, where, k);
    } else if (const LayerKindKey* key = find_kind_key(k)) {
      parse_kind_key(d, *key, v, where);
    } else {
      std::string kind_keys;
      for (const LayerKindModel* m : layer_kind_models()) {
        for (const LayerKindKey& key : m->keys) kind_keys += std::string(key.name) + ", ";
      }
      throw Error(where + ": unknown key '" + k + "' (expected name, arch, d_model, n_layer, " +
                  "d_state, d_conv, expand or d_inner, vocab_size, tie_word_embeddings, "
                  "published_params, source, layer_pattern, " +
                  kind_keys + "and " +
                  (m2 ? "for Mamba-2 head_dim, n_groups, chunk_size)" : "for Mamba-1 dt_rank)"));
    }
  }
  validate_hybrid(d, j, where);
  if (d.d_conv == 0) d.d_conv = 4;
  if (d.d_inner > 0 && j.contains("expand")) {
    throw Error(where + ": give expand or d_inner, not both");
  }
  if (d.d_inner == 0) d.d_inner = expand * d.d_model;
  if (d.name.empty()) d.name = "model";
  if (!m2) {
    if (d.d_state == 0) d.d_state = 16;
    // Mamba-1's default: dt_rank = ceil(d_model / 16).
    if (!have_dt_rank) d.dt_rank = (d.d_model + 15) / 16;
    return d;
  }
  // mamba_ssm's Mamba2 defaults: d_state 128, head_dim 64, 1 group, chunk 256.
  if (d.d_state == 0) d.d_state = 128;
  if (d.head_dim == 0) d.head_dim = 64;
  if (d.n_groups == 0) d.n_groups = 1;
  if (d.chunk_size == 0) d.chunk_size = 256;
  if (d.d_inner % d.head_dim != 0) {
    throw Error(fmt::format("{}: head_dim = {} does not divide d_inner = {}", where, d.head_dim,
                            d.d_inner));
  }
  d.n_heads = d.d_inner / d.head_dim;
  if (d.n_heads % d.n_groups != 0) {
    throw Error(fmt::format("{}: n_groups = {} does not divide the {} heads", where, d.n_groups,
                            d.n_heads));
  }
  return d;
}

ModelDims load_model_preset(const std::string& arg) {
  if (names_a_file(arg)) return model_dims_from_json(read_json_file(arg), arg);
  const Preset* p = find_preset("model", arg);
  if (!p) {
    throw Error("model '" + arg + "': no such preset (presets: " + preset_names("model") +
                "; or give a .json file)");
  }
  return model_dims_from_json(preset_json(*p), std::string("preset model '") + arg + "'");
}

Workload Workload::load(const std::string& arg) {
  Workload w;
  if (names_a_file(arg)) {
    w.load_json(read_json_file(arg), arg, fs::path(arg).parent_path().string());
  } else {
    const Preset* p = find_preset("workload", arg);
    if (!p) {
      throw Error("--workload " + arg + ": no such preset (presets: " + preset_names("workload") +
                  "; or give a .json file)");
    }
    w.load_json(preset_json(*p), std::string("preset workload '") + arg + "'", "");
  }
  return w;
}

void Workload::load_json(const nlohmann::json& j, const std::string& where,
                         const std::string& base_dir) {
  check_version(j, where);
  if (!j.contains("model")) throw Error(where + ": missing key 'model' (a preset name or file)");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const auto& v = it.value();
    if (k == "version") continue;
    if (k == "name") {
      name = text_value(v, where, k);
    } else if (k == "model") {
      if (v.is_object()) {
        model = "";
        dims = model_dims_from_json(v, where + ": model");
      } else {
        model = text_value(v, where, k);
        // A relative model file is relative to the workload file.
        std::string ref = model;
        if (names_a_file(ref) && !base_dir.empty() && fs::path(ref).is_relative())
          ref = (fs::path(base_dir) / ref).string();
        try {
          dims = load_model_preset(ref);
        } catch (const Error& e) {
          throw Error(where + ": model: " + e.what());
        }
      }
    } else if (k == "prefill_tokens" || k == "decode_tokens" || k == "batch" ||
               k == "ssm_input_regions") {
      set_value(k, v, where);
    } else {
      throw Error(where + ": unknown key '" + k +
                  "' (expected name, model, prefill_tokens, decode_tokens, batch, "
                  "ssm_input_regions)");
    }
  }
  validate(where);
}

void Workload::set_value(const std::string& key, const nlohmann::json& v,
                         const std::string& where) {
  if (key == "prefill_tokens") {
    prefill_tokens = get_int(v, where, "prefill_tokens", 0, int64_t(1) << 24);
  } else if (key == "decode_tokens") {
    decode_tokens = get_int(v, where, "decode_tokens", 0, int64_t(1) << 24);
  } else if (key == "batch") {
    batch = get_int(v, where, "batch", 1, 4096);
  } else if (key == "ssm_input_regions") {
    // A whole object replaces the rates: regions it leaves out are 0.
    if (!v.is_object()) throw Error(where + ": ssm_input_regions must be a JSON object");
    regions = RegionRates();
    regions.frac = {0, 0, 0, 0};
    for (auto it = v.begin(); it != v.end(); ++it)
      set_value("ssm_input_regions." + it.key(), it.value(), where);
  } else if (key.rfind("ssm_input_regions.", 0) == 0) {
    const std::string sub = key.substr(18);
    if (sub == "source") {
      regions.source = text_value(v, where, key);
      return;
    }
    for (int i = 0; i < 4; ++i) {
      if (sub != kRegionNames[i]) continue;
      if (!v.is_number() || !(v.get<double>() >= 0 && v.get<double>() <= 1)) {
        throw Error(where + ": " + key + " = " + json_text(v) + ": expected a fraction in [0, 1]");
      }
      regions.frac[static_cast<size_t>(i)] = v.get<double>();
      return;
    }
    throw Error(where + ": unknown key '" + key +
                "' (expected ssm_input_regions.{normal,small,large,saturated,source})");
  } else {
    throw Error(where + ": unknown key 'workload." + key +
                "' (expected model, prefill_tokens, decode_tokens, batch, "
                "ssm_input_regions.{small,normal,large,saturated})");
  }
}

void Workload::set(const std::string& assignment, const std::string& option) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw Error(option + " " + assignment + ": expected workload.key=value");
  }
  std::string key = assignment.substr(0, eq);
  if (key.rfind("workload.", 0) == 0) key = key.substr(9);
  const std::string text = assignment.substr(eq + 1);
  if (key == "model") {
    model = text;
    try {
      dims = load_model_preset(text);
    } catch (const Error& e) {
      throw Error(option + " workload.model: " + std::string(e.what()));
    }
    return;
  }
  nlohmann::json v;
  try {
    v = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    v = text;
  }
  set_value(key, v, option);
}

void apply_assignment(const std::string& a, ArchConfig& arch, Workload* workload,
                      const std::string& option) {
  if (a.rfind("workload.", 0) != 0) {
    arch.set(a, option);
    return;
  }
  if (!workload) throw Error(option + " " + a + ": workload keys need --workload");
  workload->set(a, option);
}

void Workload::validate(const std::string& where) const {
  if (prefill_tokens + decode_tokens == 0) {
    throw Error(where + ": prefill_tokens and decode_tokens are both 0: nothing to run");
  }
  double sum = 0;
  for (double f : regions.frac) sum += f;
  if (std::fabs(sum - 1.0) > 1e-6) {
    throw Error(fmt::format(
        "{}: ssm_input_regions: small + normal + large + saturated = {:.9g}: expected 1", where,
        sum));
  }
}

nlohmann::ordered_json Workload::to_json() const {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["name"] = name;
  // Inline model shape, loadable as it is (run.workload.json reruns the run).
  nlohmann::ordered_json m;
  m["version"] = 1;
  m["name"] = dims.name;
  m["arch"] = model_arch_name(dims.arch);
  m["d_model"] = dims.d_model;
  m["n_layer"] = dims.n_layer;
  if (!dims.layer_pattern.empty()) m["layer_pattern"] = dims.layer_pattern;
  if (dims.d_model > 0 && dims.d_inner % dims.d_model != 0) {
    m["d_inner"] = dims.d_inner;
  } else {
    m["expand"] = dims.d_model ? dims.d_inner / dims.d_model : 0;
  }
  m["d_state"] = dims.d_state;
  m["d_conv"] = dims.d_conv;
  if (dims.mamba2()) {
    m["head_dim"] = dims.head_dim;
    m["n_groups"] = dims.n_groups;
    m["chunk_size"] = dims.chunk_size;
  } else {
    m["dt_rank"] = dims.dt_rank;
  }
  for (const LayerKindModel* kind : layer_kind_models()) {
    if (!dims.has(kind->kind)) continue;
    for (const LayerKindKey& key : kind->keys) {
      const int64_t v = kind_key_value(dims, key);
      switch (key.type) {
        case LayerKindKey::Type::kInt:
          m[key.name] = v;
          break;
        case LayerKindKey::Type::kBool:
          m[key.name] = v != 0;
          break;
        case LayerKindKey::Type::kActivation:
          m[key.name] = activation_name(static_cast<FfnActivation>(v));
          break;
      }
    }
  }
  m["vocab_size"] = dims.vocab_size;
  m["tie_word_embeddings"] = dims.tie_word_embeddings;
  if (dims.published_params > 0) m["published_params"] = dims.published_params;
  j["model"] = m;
  j["prefill_tokens"] = prefill_tokens;
  j["decode_tokens"] = decode_tokens;
  j["batch"] = batch;
  nlohmann::ordered_json r;
  for (int i = 0; i < 4; ++i) r[kRegionNames[i]] = regions.frac[static_cast<size_t>(i)];
  r["source"] = regions.source;
  j["ssm_input_regions"] = r;
  return j;
}

}  // namespace ssmsim
