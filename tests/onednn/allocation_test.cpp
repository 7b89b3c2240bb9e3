// What the oneDNN backend allocates once a shape is prepared. Global operator new is
// replaced (in this test executable only) by a counting one.
// score_plan::run: nothing. llada_forward of a known length: nothing of its own; only
// oneDNN's execute allocates (a few small objects per primitive call, inside libdnnl),
// so the count is the same on every call and bounded per primitive execution.
#include "onednn/random_llada.hpp"
#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/backend/onednn/model_forward.hpp>
#include <unmask/backend/onednn/score_plan.hpp>

#include "support/counting_new.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

using unmask_test::allocations;

TEST_CASE("score_plan: run allocates nothing", "[onednn][score][alloc]") {
  unmask::onednn::context ctx;
  std::vector<float> block(16 * 3000);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<float>((i * 2654435761u) % 1000) * 0.01f;
  const auto m = unmask::onednn::wrap(ctx, std::span<float>(block), {16, 3000});
  for (const unmask::index_t threads : {1, 2}) {
    unmask::onednn::score_plan plan(ctx, 16, 3000, dnnl::memory::data_type::f32, {.threads = threads});
    std::vector<unmask::position_stats> out(16);
    const std::vector<unmask::index_t> some{3, 1, 15};
    std::vector<unmask::position_stats> out3(3);
    plan.run(m, out);
    const long before = allocations.load();
    plan.run(m, out);
    plan.run(m, some, out3, 7);
    CHECK(allocations.load() - before == 0);
  }
}

TEST_CASE("llada_forward: a known length allocates only inside oneDNN's execute", "[onednn][model][alloc]") {
  const unmask::onednn::llada_forward::dims dm{
      .d_model = 64, .n_layers = 2, .n_heads = 4, .mlp_hidden = 96, .vocab = 50};
  const unmask_test::random_llada w(dm, 3);
  for (const auto type : {dnnl::memory::data_type::f32, dnnl::memory::data_type::bf16}) {
    unmask::onednn::llada_forward m(dm, w, {.weights = type});
    std::vector<unmask::token_id> tokens(40, 5);
    std::vector<float> out(40 * 50);
    m.forward(tokens, 0, 40, out.data());  // builds the length's primitives
    long counts[2] = {0, 0};
    for (long& c : counts) {
      const long before = allocations.load();
      m.forward(tokens, 0, 40, out.data());
      c = allocations.load() - before;
    }
    // Per layer: qkv, QK^T, softmax, PV, (bf16: reorder), wo, gate, up, down; + one head chunk.
    const long executions = 2 * (type == dnnl::memory::data_type::bf16 ? 9 : 8) + 1;
    CAPTURE(static_cast<int>(type), counts[0], executions);
    CHECK(counts[0] == counts[1]);
    CHECK(counts[0] <= 10 * executions);
  }
}
