// unmask: the oneDNN score plan: row statistics of a [rows x vocab] logits tensor in oneDNN memory.
// One plan per (rows, vocab, data type); f32 or bf16 logits; reports its workspace (none).
#pragma once

#include <unmask/backend/onednn/context.hpp>
#include <unmask/backend/onednn/memory_view.hpp>
#include <unmask/core/bfloat16.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/position_stats.hpp>
#include <unmask/core/thread_pool.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/score_rows.hpp>
#include <unmask/kernels/simd_backend.hpp>

#include <oneapi/dnnl/dnnl.hpp>

#include <memory>
#include <numeric>
#include <span>
#include <vector>

UNMASK_NAMESPACE_BEGIN
namespace onednn {

/// How a score_plan computes: double or float exponentials and sums, whether it needs
/// sum p log p (entropy score rules), and how many threads split the rows.
struct score_options {
  bool float64 = true;  ///< double accumulation, as row_stats_of<double> (false: float, ~2.5x less compute)
  bool entropy = true;  ///< false: sum_p_log_p is left NaN (low-confidence and margin rules do not read it)
  index_t threads = 1;  ///< >1: rows are split statically over a thread pool the plan owns
  friend bool operator==(const score_options&, const score_options&) = default;
};

/// The score pass of the oneDNN backend: for chosen rows of a dense row-major
/// [rows x vocab] tensor in oneDNN CPU memory (float32, or bfloat16 as a oneDNN model's
/// head can emit), the row_stats every score rule reads, plus one tracked token's logit.
///
/// Which kernel runs was decided by measurement (docs/backends.md): the library's own
/// one-pass kernel (score_rows / row_stats_simd) reads each row once; on one core it
/// beat oneDNN's log-softmax primitive alone by 1.9-2.1x (double accumulation) and
/// 3.4-4.3x (float), before the primitive path even finds the top-2 or the entropy
/// (32-256 rows of 126 464, AVX-512, oneDNN 2.6); so the plan runs the library kernel on the oneDNN
/// memory and needs no workspace (`workspace_bytes() == 0`). Decisions equal
/// row_stats_of's: top1 / top2 exactly, lse and sum p log p within 1e-12 relative
/// (float64) or 1e-6 (float); invalid rows are flagged the same way.
/// `run` first waits on the context's stream (the logits may come from a primitive).
/// Complexity: one read of each chosen row; no allocation after construction.
/// Deterministic for any thread count (each row's result depends on that row only).
class score_plan {
 public:
  score_plan(context& ctx, index_t rows, index_t vocab, dnnl::memory::data_type type, score_options options = {})
      : ctx_(&ctx), rows_(rows), vocab_(vocab), type_(type), options_(options) {
    unmask::detail::require(rows > 0, "rows", rows, "must be positive");
    unmask::detail::require(vocab > 0, "vocab", vocab, "must be positive");
    (void)element_bytes(type);  // f32 or bf16
    unmask::detail::require(options.threads >= 1 && options.threads <= 1024, "threads", options.threads,
                            "must lie in [1, 1024]");
    desc_ = row_major_desc({rows, vocab}, type);
    all_.resize(static_cast<std::size_t>(rows));
    std::iota(all_.begin(), all_.end(), index_t{0});
    if (options.threads > 1) pool_ = std::make_unique<thread_pool>(options.threads);
  }

  [[nodiscard]] index_t rows() const noexcept { return rows_; }
  [[nodiscard]] index_t vocab() const noexcept { return vocab_; }
  [[nodiscard]] dnnl::memory::data_type data_type() const noexcept { return type_; }
  [[nodiscard]] const score_options& options() const noexcept { return options_; }
  /// The logits this plan reads: [rows x vocab], dense row-major, data_type().
  [[nodiscard]] const dnnl::memory::desc& logits_desc() const noexcept { return desc_; }
  /// Scratch memory the plan needs beyond its inputs and outputs: none (the one-pass
  /// kernel keeps O(1) state per row); the thread pool's threads are not counted.
  [[nodiscard]] std::size_t workspace_bytes() const noexcept { return 0; }

  /// out[i] = statistics of row which[i] of `logits` (and its logit of token `tracked`,
  /// -1: none). Throws unmask::error before reading anything if `logits` is not this
  /// plan's shape and type, an index is out of range or out.size() != which.size().
  void run(const dnnl::memory& logits, std::span<const index_t> which, std::span<position_stats> out,
           token_id tracked = -1) {
    unmask::detail::require(logits.get_desc() == desc_, "logits", "memory::desc",
                            "must be the plan's [rows x vocab] dense row-major tensor of its data type",
                            errc::shape_mismatch);
    ctx_->wait();
    if (type_ == dnnl::memory::data_type::f32) {
      dispatch(std::span<const float>(view<const float>(logits)), which, out, tracked);
    } else {
      dispatch(std::span<const bfloat16>(view<const bfloat16>(logits)), which, out, tracked);
    }
  }

  /// Every row: out[r] for row r (out.size() == rows()).
  void run(const dnnl::memory& logits, std::span<position_stats> out, token_id tracked = -1) {
    run(logits, all_, out, tracked);
  }

  /// Float rows already in host memory (the sampler's stats_backend hook, see
  /// score_backend): out[i] = statistics of rows[i]. At most rows() rows, each of vocab().
  void run(std::span<const std::span<const float>> rows, std::span<row_stats> out) const {
    unmask::detail::require(static_cast<index_t>(rows.size()) <= rows_ && out.size() == rows.size(), "rows.size()",
                            rows.size(), "must be at most the plan's rows and equal out.size()", errc::shape_mismatch);
    for (const auto& r : rows)
      unmask::detail::require(static_cast<index_t>(r.size()) == vocab_, "row.size()", r.size(),
                              "must equal the plan's vocab", errc::shape_mismatch);
    const simd_backend kernel{.float64 = options_.float64, .entropy = options_.entropy, .pool = pool_.get()};
    kernel.row_stats(rows, out);
  }

 private:
  template <class T>
  void dispatch(std::span<const T> block, std::span<const index_t> which, std::span<position_stats> out,
                token_id tracked) {
    if (options_.float64) {
      options_.entropy ? score_rows<double, true>(block, vocab_, which, out, tracked, pool_.get())
                       : score_rows<double, false>(block, vocab_, which, out, tracked, pool_.get());
    } else {
      options_.entropy ? score_rows<float, true>(block, vocab_, which, out, tracked, pool_.get())
                       : score_rows<float, false>(block, vocab_, which, out, tracked, pool_.get());
    }
  }

  context* ctx_;
  index_t rows_, vocab_;
  dnnl::memory::data_type type_;
  score_options options_;
  dnnl::memory::desc desc_;
  std::vector<index_t> all_;
  std::unique_ptr<thread_pool> pool_;
};

}  // namespace onednn
UNMASK_NAMESPACE_END
