// unmask tests: random LLaDA-architecture weights, served by name (as safetensors_file::floats)
// and as a safetensors image, so the Eigen and the oneDNN forward read the same tensors.
#pragma once

#include <unmask/backend/onednn/model_forward.hpp>
#include <unmask/core/error.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace unmask_test {

/// Every tensor of a LLaDA checkpoint with the given dims, uniform with the variance of
/// PyTorch's default Linear init (1 / (3 in)) from a fixed-seed generator; norm weights
/// around 1. `floats` answers like unmask_model::safetensors_file.
struct random_llada {
  unmask::onednn::llada_forward::dims dims;
  std::map<std::string, std::pair<std::vector<std::int64_t>, std::vector<float>>> tensors;

  random_llada(const unmask::onednn::llada_forward::dims& dm, std::uint64_t seed) : dims(dm) {
    const std::int64_t d = dm.d_model, f = dm.mlp_hidden, v = dm.vocab;
    std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    auto uniform = [&s] {  // xorshift64*, in [-1, 1)
      s ^= s >> 12;
      s ^= s << 25;
      s ^= s >> 27;
      return static_cast<float>(static_cast<double>((s * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-52 - 1.0);
    };
    auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float scale, float offset) {
      std::int64_t n = 1;
      for (auto x : shape) n *= x;
      std::vector<float> w(static_cast<std::size_t>(n));
      for (auto& x : w) x = offset + scale * uniform();
      tensors.emplace(name, std::make_pair(std::move(shape), std::move(w)));
    };
    const std::string t = "model.transformer.";
    const float in_d = 1.0f / std::sqrt(static_cast<float>(d)), in_f = 1.0f / std::sqrt(static_cast<float>(f));
    add(t + "wte.weight", {v, d}, 1.0f, 0.0f);
    for (std::int64_t i = 0; i < dm.n_layers; ++i) {
      const std::string b = t + "blocks." + std::to_string(i) + ".";
      add(b + "attn_norm.weight", {d}, 0.2f, 1.0f);
      add(b + "q_proj.weight", {d, d}, in_d, 0.0f);
      add(b + "k_proj.weight", {d, d}, in_d, 0.0f);
      add(b + "v_proj.weight", {d, d}, in_d, 0.0f);
      add(b + "attn_out.weight", {d, d}, in_d, 0.0f);
      add(b + "ff_norm.weight", {d}, 0.2f, 1.0f);
      add(b + "ff_proj.weight", {f, d}, in_d, 0.0f);
      add(b + "up_proj.weight", {f, d}, in_d, 0.0f);
      add(b + "ff_out.weight", {d, f}, in_f, 0.0f);
    }
    add(t + "ln_f.weight", {d}, 0.2f, 1.0f);
    add(t + "ff_out.weight", {v, d}, in_d, 0.0f);
  }

  [[nodiscard]] std::vector<float> floats(const std::string& name, const std::vector<std::int64_t>& shape) const {
    const auto it = tensors.find(name);
    if (it == tensors.end()) throw unmask::error(unmask::errc::invalid_argument, "weights", "no tensor " + name);
    if (it->second.first != shape) throw unmask::error(unmask::errc::shape_mismatch, "weights", "shape of " + name);
    return it->second.second;
  }

  /// The tensors as a safetensors file image (F32, little-endian).
  [[nodiscard]] std::vector<std::uint8_t> safetensors() const {
    std::string header = "{";
    std::uint64_t off = 0;
    for (const auto& [name, t] : tensors) {
      const std::uint64_t bytes = t.second.size() * 4;
      // Appended piece by piece (GCC 12 warns, wrongly, about `const char* + std::string` here).
      if (off != 0) header.append(",");
      header.append("\"").append(name).append("\":{\"dtype\":\"F32\",\"shape\":[");
      for (std::size_t i = 0; i < t.first.size(); ++i) {
        if (i != 0) header.append(",");
        header.append(std::to_string(t.first[i]));
      }
      header.append("],\"data_offsets\":[").append(std::to_string(off)).append(",");
      header.append(std::to_string(off + bytes)).append("]}");
      off += bytes;
    }
    header += "}";
    std::vector<std::uint8_t> out(8 + header.size() + off);
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n >> (8 * i));
    std::memcpy(out.data() + 8, header.data(), header.size());
    std::size_t at = 8 + header.size();
    for (const auto& [name, t] : tensors) {
      std::memcpy(out.data() + at, t.second.data(), t.second.size() * 4);  // x86-64 / aarch64: little-endian
      at += t.second.size() * 4;
    }
    return out;
  }
};

}  // namespace unmask_test
