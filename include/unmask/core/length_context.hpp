// unmask: what a length policy may read and change (canvas, statistics, candidates).
// Handed to length policies by the sampler loop before denoising and after each step.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/position_stats.hpp>
#include <unmask/core/row_state.hpp>
#include <unmask/core/run_stats.hpp>
#include <unmask/core/schedule_context.hpp>
#include <unmask/core/step_event.hpp>
#include <unmask/core/token_buffer.hpp>

#include <span>

UNMASK_NAMESPACE_BEGIN

/// The sampler's view for a length policy. `stats(r)` covers the generated positions
/// [prompt_length, length) of row r as of the last evaluation (only filled when the
/// policy sets `wants_position_stats`); `candidates(r)` are this step's candidates with
/// the schedule's marks. Growth goes through `append` / `replace_with_masks`, which
/// record the change for the observer and never reallocate.
class length_context {
 public:
  using evaluate_fn = void (*)(void* self);

  length_context(token_buffer& canvas, std::span<const position_stats> stats, std::span<const row_candidates> cands,
                 std::span<const row_state> rows, run_stats& run, std::span<length_change> changes,
                 index_t& change_count, void* evaluator, evaluate_fn evaluate) noexcept
      : canvas_(&canvas), stats_(stats), cands_(cands), rows_(rows), run_(&run), changes_(changes),
        change_count_(&change_count), evaluator_(evaluator), evaluate_(evaluate) {}

  [[nodiscard]] token_buffer& canvas() noexcept { return *canvas_; }
  [[nodiscard]] const token_buffer& canvas() const noexcept { return *canvas_; }
  [[nodiscard]] index_t rows() const noexcept { return canvas_->rows(); }
  [[nodiscard]] const row_state& state(index_t r) const noexcept { return rows_[static_cast<std::size_t>(r)]; }
  [[nodiscard]] run_stats& run() noexcept { return *run_; }

  /// Statistics of row r's generated positions (index 0 = first generated position).
  [[nodiscard]] std::span<const position_stats> stats(index_t r) const noexcept {
    const index_t cap = canvas_->capacity();
    return stats_.subspan(static_cast<std::size_t>(r * cap), static_cast<std::size_t>(canvas_->gen_length(r)));
  }
  /// This step's candidates of row r (empty before denoising or for inactive rows).
  [[nodiscard]] std::span<const candidate> candidates(index_t r) const noexcept {
    for (const auto& rc : cands_)
      if (rc.row == r) return rc.items;
    return {};
  }

  /// Runs the model on the current canvas (every unfinished row, all generated
  /// positions) and refreshes `stats`. Counts as a model call.
  void evaluate() { evaluate_(evaluator_); }

  /// Appends `count` copies of t to row r.
  void append(index_t r, index_t count, token_id t) {
    const index_t at = canvas_->length(r);
    canvas_->append(r, count, t);
    record(r, at, count);
  }
  /// Replaces position p of row r by `count` masks, the row cut to `max_length` tokens.
  void replace_with_masks(index_t r, index_t p, index_t count, index_t max_length) {
    canvas_->replace(r, p, count, canvas_->mask_id(), max_length);
    record(r, p, count);
  }

 private:
  void record(index_t r, index_t p, index_t count) {
    if (*change_count_ < static_cast<index_t>(changes_.size()))
      changes_[static_cast<std::size_t>((*change_count_)++)] = {r, p, count};
  }
  token_buffer* canvas_;
  std::span<const position_stats> stats_;
  std::span<const row_candidates> cands_;
  std::span<const row_state> rows_;
  run_stats* run_;
  std::span<length_change> changes_;
  index_t* change_count_;
  void* evaluator_;
  evaluate_fn evaluate_;
};

UNMASK_NAMESPACE_END
