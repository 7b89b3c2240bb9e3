// unmask-model: a bounds-checked reader of the safetensors format.
// 8-byte header length, JSON header, raw tensor data; every lie in the file is an unmask::error.
#pragma once

#include <unmask/core/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace unmask_model {

/// One tensor's entry in the header: dtype, shape and its byte range in the data section.
struct tensor_info {
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0, end = 0;  ///< offsets relative to the data section
  [[nodiscard]] std::int64_t numel() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

/// A safetensors file held in memory. `parse` checks, before anything is read: the
/// header length fits the file, the header is a JSON object, every tensor has a known
/// dtype, a non-negative shape whose size matches its byte range, and a range inside
/// the data section; ranges may not overlap. Supported dtypes: F32, F16, BF16 (read as float).
class safetensors_file {
 public:
  /// Reads and parses `path`. Throws unmask::error (parameter "safetensors") on any defect.
  static safetensors_file load(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) fail(path, "cannot open the file");
    const auto size = static_cast<std::streamoff>(in.tellg());
    if (size < 0) fail(path, "cannot determine the file size");
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) fail(path, "read failed");
    return parse(std::move(bytes), path);
  }

  /// Parses a whole file image; `name` only appears in error messages.
  static safetensors_file parse(std::vector<std::uint8_t> bytes, const std::string& name = "<memory>") {
    safetensors_file f;
    f.name_ = name;
    if (bytes.size() < 8) fail(name, "file of " + std::to_string(bytes.size()) + " bytes is shorter than the 8-byte header length");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
    const std::uint64_t avail = bytes.size() - 8;
    if (n > avail)
      fail(name, "header length " + std::to_string(n) + " exceeds the " + std::to_string(avail) + " bytes after it (truncated file?)");
    const auto* h = reinterpret_cast<const char*>(bytes.data() + 8);
    nlohmann::json j = nlohmann::json::parse(h, h + n, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) fail(name, "the header is not valid JSON");
    if (!j.is_object()) fail(name, "the header is not a JSON object");
    f.data_offset_ = 8 + n;
    const std::uint64_t data_size = avail - n;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "__metadata__") {
        if (!it->is_object()) fail(name, "__metadata__ is not an object");
        for (auto m = it->begin(); m != it->end(); ++m)
          if (m->is_string()) f.metadata_[m.key()] = m->get<std::string>();
        continue;
      }
      const std::string& key = it.key();
      const auto& e = *it;
      if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
        fail(name, "tensor '" + key + "' lacks dtype, shape or data_offsets");
      tensor_info t;
      if (!e["dtype"].is_string()) fail(name, "tensor '" + key + "': dtype is not a string");
      t.dtype = e["dtype"].get<std::string>();
      const std::uint64_t elem = element_size(t.dtype);
      if (elem == 0) fail(name, "tensor '" + key + "': unsupported dtype " + t.dtype);
      if (!e["shape"].is_array()) fail(name, "tensor '" + key + "': shape is not an array");
      std::uint64_t count = 1;
      for (const auto& d : e["shape"]) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
          fail(name, "tensor '" + key + "': shape has a negative or non-integer dimension");
        const auto dim = d.get<std::uint64_t>();
        if (dim != 0 && count > (std::uint64_t{1} << 40) / dim) fail(name, "tensor '" + key + "': shape is too large");
        count *= dim;
        t.shape.push_back(static_cast<std::int64_t>(dim));
      }
      const auto& off = e["data_offsets"];
      if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
        fail(name, "tensor '" + key + "': data_offsets is not two non-negative integers");
      t.begin = off[0].get<std::uint64_t>();
      t.end = off[1].get<std::uint64_t>();
      if (t.begin > t.end || t.end > data_size)
        fail(name, "tensor '" + key + "': data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                       ") lie outside the " + std::to_string(data_size) + "-byte data section (truncated file?)");
      if (t.end - t.begin != count * elem)
        fail(name, "tensor '" + key + "': " + std::to_string(t.end - t.begin) + " bytes do not match shape x " +
                       std::to_string(elem) + "-byte " + t.dtype + " = " + std::to_string(count * elem));
      ranges.emplace_back(t.begin, t.end);
      f.tensors_.emplace(key, std::move(t));
    }
    std::sort(ranges.begin(), ranges.end());
    for (std::size_t i = 1; i < ranges.size(); ++i)
      if (ranges[i].first < ranges[i - 1].second) fail(name, "two tensors' data ranges overlap");
    f.bytes_ = std::move(bytes);
    return f;
  }

  [[nodiscard]] bool contains(const std::string& key) const { return tensors_.count(key) != 0; }
  [[nodiscard]] const std::map<std::string, tensor_info>& tensors() const noexcept { return tensors_; }
  [[nodiscard]] const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }

  [[nodiscard]] const tensor_info& info(const std::string& key) const {
    auto it = tensors_.find(key);
    if (it == tensors_.end()) fail(name_, "no tensor named '" + key + "'");
    return it->second;
  }

  /// The tensor as float32 values (row-major), after checking that its shape is `expected`.
  [[nodiscard]] std::vector<float> floats(const std::string& key, const std::vector<std::int64_t>& expected) const {
    const auto& t = info(key);
    if (t.shape != expected) fail(name_, "tensor '" + key + "' has shape " + shape_text(t.shape) + ", expected " + shape_text(expected));
    std::vector<float> out(static_cast<std::size_t>(t.numel()));
    const std::uint8_t* p = bytes_.data() + data_offset_ + t.begin;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = to_float(t.dtype, p + i * element_size(t.dtype));
    return out;
  }

 private:
  [[noreturn]] static void fail(const std::string& name, const std::string& what) {
    throw unmask::error(unmask::errc::invalid_argument, "safetensors", "safetensors " + name + ": " + what);
  }
  static std::uint64_t element_size(const std::string& dtype) {
    if (dtype == "F32") return 4;
    if (dtype == "F16" || dtype == "BF16") return 2;
    return 0;
  }
  static std::string shape_text(const std::vector<std::int64_t>& s) {
    std::string r = "[";
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (i > 0) r += ", ";
      r += std::to_string(s[i]);
    }
    return r + "]";
  }
  static float to_float(const std::string& dtype, const std::uint8_t* p) {
    if (dtype == "F32") {
      const std::uint32_t u = std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
      float f;
      std::memcpy(&f, &u, 4);
      return f;
    }
    const std::uint16_t h = static_cast<std::uint16_t>(p[0] | p[1] << 8);
    if (dtype == "BF16") {
      const std::uint32_t u = std::uint32_t{h} << 16;
      float f;
      std::memcpy(&f, &u, 4);
      return f;
    }
    // F16: sign, 5-bit exponent, 10-bit mantissa.
    const std::uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    float mag;
    if (exp == 0) mag = std::ldexp(static_cast<float>(man), -24);
    else if (exp == 31) mag = man ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
    else mag = std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
    return sign ? -mag : mag;
  }

  std::string name_;
  std::vector<std::uint8_t> bytes_;
  std::uint64_t data_offset_ = 0;
  std::map<std::string, tensor_info> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace unmask_model
