// Tests of the safetensors reader: a valid file reads back; truncated or lying files are unmask::error.
#include "model/safetensors.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;

bytes file_with(const std::string& header, const bytes& data) {
  // Built by push_back: GCC 12 at -O3 misreads vector::insert into a fresh vector
  // as an out-of-bounds memcpy (-Warray-bounds false positive).
  bytes out;
  out.reserve(8 + header.size() + data.size());
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  for (char ch : header) out.push_back(static_cast<std::uint8_t>(ch));
  for (std::uint8_t b : data) out.push_back(b);
  return out;
}

bytes floats(std::initializer_list<float> v) {
  bytes out;
  for (float f : v) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(u >> (8 * i)));
  }
  return out;
}

const std::string good_header =
    R"({"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[1],"data_offsets":[16,20]},)"
    R"("__metadata__":{"format":"pt"}})";

template <class F>
void expect_error(F&& f, const std::string& fragment) {
  try {
    f();
    FAIL("no unmask::error thrown; expected one mentioning: " << fragment);
  } catch (const unmask::error& e) {
    CHECK(e.parameter() == "safetensors");
    CHECK(std::string(e.what()).find(fragment) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("safetensors: a valid file reads back tensors, shapes and metadata") {
  const auto f = unmask_model::safetensors_file::parse(file_with(good_header, floats({1, 2, 3, 4, -5.5f})));
  CHECK(f.contains("a"));
  CHECK(f.contains("b"));
  CHECK_FALSE(f.contains("__metadata__"));
  CHECK(f.metadata().at("format") == "pt");
  CHECK(f.floats("a", {2, 2}) == std::vector<float>{1, 2, 3, 4});
  CHECK(f.floats("b", {1}) == std::vector<float>{-5.5f});
  expect_error([&] { (void)f.floats("a", {4}); }, "expected [4]");
  expect_error([&] { (void)f.floats("c", {1}); }, "no tensor named 'c'");
}

TEST_CASE("safetensors: BF16 and F16 are widened to float") {
  // 1.5 in bf16 = 0x3fc0; -2 in f16 = 0xc000
  const std::string h = R"({"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]},"y":{"dtype":"F16","shape":[1],"data_offsets":[2,4]}})";
  const auto f = unmask_model::safetensors_file::parse(file_with(h, {0xc0, 0x3f, 0x00, 0xc0}));
  CHECK(f.floats("x", {1})[0] == 1.5f);
  CHECK(f.floats("y", {1})[0] == -2.0f);
}

TEST_CASE("safetensors: truncated and lying files are errors") {
  const auto good = file_with(good_header, floats({1, 2, 3, 4, 5}));
  SECTION("shorter than the length field") {
    expect_error([&] { (void)unmask_model::safetensors_file::parse(bytes(good.begin(), good.begin() + 5)); }, "shorter than");
  }
  SECTION("header cut") {
    expect_error([&] { (void)unmask_model::safetensors_file::parse(bytes(good.begin(), good.begin() + 40)); }, "header length");
  }
  SECTION("data cut") {
    expect_error([&] { (void)unmask_model::safetensors_file::parse(bytes(good.begin(), good.end() - 1)); }, "outside");
  }
  SECTION("header length larger than the file") {
    auto b = good;
    b[6] = 0x10;
    expect_error([&] { (void)unmask_model::safetensors_file::parse(b); }, "header length");
  }
  SECTION("not JSON") {
    expect_error([&] { (void)unmask_model::safetensors_file::parse(file_with("{\"a\":", {})); }, "not valid JSON");
  }
  SECTION("shape does not match the byte range") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})";
    expect_error([&] { (void)unmask_model::safetensors_file::parse(file_with(h, floats({1, 2, 3, 4}))); }, "do not match");
  }
  SECTION("overlapping tensors") {
    const std::string h = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    expect_error([&] { (void)unmask_model::safetensors_file::parse(file_with(h, floats({1, 2, 3}))); }, "overlap");
  }
  SECTION("negative dimension, unknown dtype, missing field") {
    expect_error([&] { (void)unmask_model::safetensors_file::parse(file_with(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", {})); }, "negative");
    expect_error([&] { (void)unmask_model::safetensors_file::parse(file_with(R"({"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}})", {0})); }, "unsupported dtype");
    expect_error([&] { (void)unmask_model::safetensors_file::parse(file_with(R"({"a":{"dtype":"F32","shape":[1]}})", {})); }, "lacks");
  }
  SECTION("the committed checkpoint, truncated") {
    std::ifstream in(std::string(UNMASK_SOURCE_DIR) + "/models/tiny-mdm/model.safetensors", std::ios::binary);
    REQUIRE(in);
    bytes all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(all.size() > 1000);
    CHECK_NOTHROW(unmask_model::safetensors_file::parse(all));
    all.resize(all.size() - 3);
    expect_error([&] { (void)unmask_model::safetensors_file::parse(all); }, "truncated");
  }
  SECTION("a missing file") {
    expect_error([] { (void)unmask_model::safetensors_file::load("/nonexistent/model.safetensors"); }, "cannot open");
  }
}
