// unmask: the sampler: one step loop over a schedule, score rule, blocks, length,
// noise, guidance and logits transform, each a policy value.
#pragma once

#include <unmask/core/candidate.hpp>
#include <unmask/core/config.hpp>
#include <unmask/core/error.hpp>
#include <unmask/core/forward_request.hpp>
#include <unmask/core/length_context.hpp>
#include <unmask/core/model.hpp>
#include <unmask/core/position_stats.hpp>
#include <unmask/core/row_state.hpp>
#include <unmask/core/run_stats.hpp>
#include <unmask/core/sampler_options.hpp>
#include <unmask/core/schedule_context.hpp>
#include <unmask/core/score_interval.hpp>
#include <unmask/core/step_event.hpp>
#include <unmask/core/token_buffer.hpp>
#include <unmask/core/validate_if_any.hpp>
#include <unmask/kernels/flag_uncertain.hpp>
#include <unmask/kernels/portable_backend.hpp>
#include <unmask/kernels/row_stats.hpp>
#include <unmask/kernels/stats_backend.hpp>
#include <unmask/policy/block/concept.hpp>
#include <unmask/policy/block/whole_canvas.hpp>
#include <unmask/policy/guidance/concept.hpp>
#include <unmask/policy/guidance/no_guidance.hpp>
#include <unmask/policy/length/concept.hpp>
#include <unmask/policy/length/fixed_length.hpp>
#include <unmask/policy/noise/greedy.hpp>
#include <unmask/policy/noise/token_sampler.hpp>
#include <unmask/policy/schedule/concept.hpp>
#include <unmask/policy/score/concept.hpp>
#include <unmask/policy/score/low_confidence.hpp>
#include <unmask/policy/transform/concept.hpp>
#include <unmask/policy/transform/no_transform.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

UNMASK_NAMESPACE_BEGIN

/// Buffers of a run, sized once from the canvas shape (`sampler::plan`); the step loop
/// never allocates. Reusable across runs of the same shape.
struct sampler_workspace {
  token_buffer canvas;                      ///< the working copy (the caller's is written on success)
  std::vector<token_id> uncond_tokens;      ///< rows x capacity
  std::vector<float> logits;                ///< (1 or 2) x rows x capacity x vocab
  std::vector<forward_row> forward;         ///< up to 2 x rows
  std::vector<row_state> rows;
  std::vector<candidate> candidates;        ///< rows x capacity
  std::vector<row_candidates> row_cands;    ///< rows
  std::vector<position_stats> pstats;       ///< rows x capacity
  std::vector<committed_token> commits;     ///< rows x capacity
  std::vector<length_change> changes;       ///< 4 x rows
  std::vector<float> scratch;               ///< the logits transform's
  std::vector<index_t> index_scratch;       ///< vocab
  std::vector<index_t> logits_begin;        ///< per row, first position of its logits block
  std::vector<std::span<const float>> batch_rows;  ///< rows x capacity: the stats pass's input
  std::vector<row_stats> batch_stats;              ///< rows x capacity: its output
  std::vector<bounded_row_stats> batch_bounded;    ///< rows x capacity: the float64 filter's pass (else empty)
  std::vector<double> score_lo, score_hi;          ///< rows x capacity: the filter's score intervals
  std::vector<index_t> filter_order;               ///< rows x capacity: the filter's sort scratch
  std::vector<unsigned char> filter_flags;         ///< rows x capacity: candidates to recompute
  [[nodiscard]] std::size_t bytes() const noexcept {
    return uncond_tokens.size() * sizeof(token_id) + logits.size() * sizeof(float) +
           candidates.size() * sizeof(candidate) + pstats.size() * sizeof(position_stats) +
           commits.size() * sizeof(committed_token) + scratch.size() * sizeof(float) +
           batch_rows.size() * sizeof(std::span<const float>) + batch_stats.size() * sizeof(row_stats) +
           batch_bounded.size() * sizeof(bounded_row_stats) + (score_lo.size() + score_hi.size()) * sizeof(double) +
           filter_order.size() * sizeof(index_t) + filter_flags.size();
  }
};

/// The step loop of a masked diffusion sampler (see docs/design.md). Each step:
/// the block policy fixes every row's active window; the model is asked for the
/// logits of the window's masked positions (and of every generated position when the
/// length policy wants statistics); guidance combines the unconditional pass; the
/// logits transform picks and filters each position's row; one pass per row gives
/// row_stats; the token sampler proposes a token and the score rule scores it; the
/// schedule marks what commits; commits land; the length policy may grow rows; the
/// observer sees the step. It ends when every row's windows are done (or, with
/// `stop_when_unchanged`, on a step that changes nothing) and never runs more than a
/// bound derived from the schedule (`error{errc::bound_exceeded}` if a policy breaks it).
///
/// Exceptions (unmask::error) leave the caller's canvas untouched: the loop works on a
/// copy and writes it back only on success. Deterministic: same inputs, policies and
/// seeds give the same output on any machine.
template <schedule Schedule, score_rule Score = low_confidence, block_policy Block = whole_canvas,
          length_policy Length = fixed_length, token_sampler Noise = greedy, guidance_policy Guidance = no_guidance,
          logits_transform Transform = no_transform, stats_backend Backend = portable_backend>
struct sampler {
  Schedule schedule{};
  Score score{};
  Block block{};
  Length length{};
  Noise noise{};
  Guidance guidance{};
  Transform transform{};
  Backend backend{};
  sampler_options options{};

  /// Whether the float64 decision filter can run (it does when the backend's bounded
  /// pass returns nonzero errors, e.g. simd_backend{.float64_filter = true}): a backend
  /// with a bounded pass, a score monotone in lse, a schedule that names its critical
  /// scores and a token sampler that reads only the argmax. It is skipped at run time
  /// when the length policy reads every position's statistics (those stay float64).
  static constexpr bool filterable = bounded_stats_backend<Backend> && lse_monotone_score<Score> &&
                                     filterable_schedule<Schedule> && argmax_token_sampler<Noise>;

  /// Checks every policy's parameters (throws unmask::error).
  void validate() const {
    detail::validate_if_any(schedule);
    detail::validate_if_any(score);
    detail::validate_if_any(block);
    detail::validate_if_any(length);
    detail::validate_if_any(noise);
    detail::validate_if_any(guidance);
    detail::validate_if_any(transform);
  }

  /// Buffers for canvases of this shape.
  [[nodiscard]] sampler_workspace plan(const token_buffer& c) const {
    sampler_workspace ws;
    const auto rows = static_cast<std::size_t>(c.rows()), cap = static_cast<std::size_t>(c.capacity());
    const auto vocab = static_cast<std::size_t>(c.vocab_size());
    const std::size_t passes = guidance.active() ? 2 : 1;
    ws.canvas = c;
    ws.uncond_tokens.assign(guidance.active() ? rows * cap : 0, c.mask_id());
    ws.logits.assign(passes * rows * cap * vocab, 0.0f);
    ws.forward.resize(2 * rows);
    ws.rows.resize(rows);
    ws.candidates.resize(rows * cap);
    ws.row_cands.reserve(rows);
    ws.pstats.resize(length.wants_position_stats() ? rows * cap : 0);
    ws.commits.resize(rows * cap);
    ws.changes.resize(4 * rows);
    ws.scratch.assign(static_cast<std::size_t>(transform.scratch_size(c.vocab_size())), 0.0f);
    ws.index_scratch.assign(ws.scratch.empty() ? 0 : vocab, 0);
    ws.logits_begin.assign(rows, 0);
    ws.batch_rows.resize(rows * cap);
    ws.batch_stats.resize(rows * cap);
    if constexpr (filterable) {
      ws.batch_bounded.resize(rows * cap);
      ws.score_lo.resize(rows * cap);
      ws.score_hi.resize(rows * cap);
      ws.filter_order.resize(rows * cap);
      ws.filter_flags.resize(rows * cap);
    }
    return ws;
  }

  /// Denoises `canvas` in place with `model`; returns the run's statistics.
  template <model M, class Observer = no_observer>
  run_stats run(token_buffer& canvas, M& model, Observer&& observer = {}) const {
    validate_input(canvas);
    auto ws = plan(canvas);
    return run_planned(canvas, model, ws, observer);
  }

  /// As run(), with buffers from plan() (same rows, capacity and vocabulary).
  template <model M, class Observer = no_observer>
  run_stats run(token_buffer& canvas, M& model, sampler_workspace& ws, Observer&& observer = {}) const {
    validate_input(canvas);
    detail::require(ws.canvas.rows() == canvas.rows() && ws.canvas.capacity() == canvas.capacity() &&
                        ws.canvas.vocab_size() == canvas.vocab_size(),
                    "workspace rows", ws.canvas.rows(), "the workspace was planned for another canvas shape",
                    errc::shape_mismatch);
    return run_planned(canvas, model, ws, observer);
  }

 private:
  void validate_input(const token_buffer& c) const {
    validate();
    detail::require(c.rows() > 0, "canvas.rows()", c.rows(), "must be positive");
    if (options.mask_id >= 0)
      detail::require(c.mask_id() == options.mask_id, "canvas.mask_id()", c.mask_id(),
                      "must be the mask id the sampler was configured with", errc::shape_mismatch);
    for (index_t r = 0; r < c.rows(); ++r) {
      if (options.equal_prompt_lengths)
        detail::require(c.prompt_length(r) == c.prompt_length(0), "prompt_length(row)", c.prompt_length(r),
                        "this preset needs every prompt of the batch to have the same length", errc::shape_mismatch);
      detail::require(c.gen_length(r) > 0, "gen_length(row)", c.gen_length(r), "must be positive");
      if (options.gen_length > 0)
        detail::require(c.gen_length(r) == options.gen_length, "gen_length(row)", c.gen_length(r),
                        "must equal the gen_length the sampler was configured with", errc::shape_mismatch);
      const index_t need = c.prompt_length(r) + length.length_cap(c.gen_length(r));
      detail::require(need <= c.capacity(), "canvas.capacity()", c.capacity(),
                      "must hold prompt + the length policy's maximum generation length", errc::shape_mismatch);
    }
  }

  // Everything one run touches, so the length policy can call back into evaluation.
  template <class M>
  struct state {
    const sampler* self;
    M* model;
    sampler_workspace* ws;
    run_stats stats{};
    index_t step = 0;

    [[nodiscard]] std::size_t row_block(index_t r) const {
      return static_cast<std::size_t>(r * ws->canvas.capacity() * ws->canvas.vocab_size());
    }
    // The logits row of `position` of canvas row r (valid after evaluate()).
    [[nodiscard]] std::span<const float> logits_row(index_t r, index_t position) const {
      const auto v = static_cast<std::size_t>(ws->canvas.vocab_size());
      const auto off = row_block(r) + static_cast<std::size_t>(position - ws->logits_begin[static_cast<std::size_t>(r)]) * v;
      return {ws->logits.data() + off, v};
    }
  };

  // The output rows [lo, hi) position range r needs this step.
  template <class St>
  std::pair<index_t, index_t> wanted(St& s, index_t r, bool whole) const {
    const auto& c = s.ws->canvas;
    const auto& st = s.ws->rows[static_cast<std::size_t>(r)];
    index_t lo = c.length(r), hi = 0;
    auto add = [&](index_t p) {
      lo = std::min(lo, transform.source(p));
      hi = std::max(hi, transform.source(p) + 1);
    };
    if (whole || length.wants_position_stats()) {
      if (c.gen_length(r) > 0) add(c.prompt_length(r)), add(c.length(r) - 1);
    }
    if (!whole) {
      for (index_t p = st.scan_begin; p < st.window_end; ++p)
        if (c.masked(r, p)) {
          add(p);
          break;
        }
      for (index_t p = st.window_end - 1; p >= st.scan_begin; --p)
        if (c.masked(r, p)) {
          add(p);
          break;
        }
    }
    if (lo >= hi) lo = hi = 0;
    return {lo, hi};
  }

  // One model evaluation for every unfinished row (all rows when `whole`).
  template <class M>
  void evaluate(state<M>& s, bool whole) const {
    auto& ws = *s.ws;
    auto& c = ws.canvas;
    const index_t rows = c.rows(), cap = c.capacity();
    const bool cfg = guidance.active();
    const std::size_t uncond_base = static_cast<std::size_t>(rows * cap * c.vocab_size());
    std::size_t n = 0;
    for (index_t r = 0; r < rows; ++r) {
      const auto& st = ws.rows[static_cast<std::size_t>(r)];
      if (!whole && st.finished) continue;
      const auto [lo, hi] = wanted(s, r, whole);
      ws.logits_begin[static_cast<std::size_t>(r)] = lo;
      forward_row fr;
      fr.tokens = c.row(r);
      fr.canvas_row = r;
      fr.logits_begin = lo;
      fr.logits_end = hi;
      fr.window_begin = whole ? c.prompt_length(r) : st.window_begin;
      fr.window_end = whole ? c.length(r) : st.window_end;
      fr.logits = ws.logits.data() + s.row_block(r);
      ws.forward[n++] = fr;
    }
    const std::size_t n_cond = n;
    if (cfg) {
      for (std::size_t i = 0; i < n_cond; ++i) {
        forward_row fr = ws.forward[i];
        const index_t r = fr.canvas_row;
        std::span<token_id> un{ws.uncond_tokens.data() + r * cap, static_cast<std::size_t>(c.length(r))};
        guidance.unconditional(c.row(r), c.prompt_length(r), c.mask_id(), un);
        fr.tokens = un;
        fr.unconditional = true;
        fr.logits = ws.logits.data() + uncond_base + s.row_block(r);
        ws.forward[n++] = fr;
      }
    }
    const std::span<const forward_row> all{ws.forward.data(), n};
    if (cfg && guidance.split_calls()) {
      (*s.model)(forward_request{s.step, c.vocab_size(), all.first(n_cond)});
      (*s.model)(forward_request{s.step, c.vocab_size(), all.subspan(n_cond)});
      s.stats.forward_calls += 2;
    } else {
      (*s.model)(forward_request{s.step, c.vocab_size(), all});
      s.stats.forward_calls += 1;
    }
    s.stats.model_calls += 1;
    for (std::size_t i = 0; i < n; ++i) s.stats.token_evaluations += static_cast<index_t>(all[i].tokens.size());
    if (cfg) {
      for (std::size_t i = 0; i < n_cond; ++i) {
        const auto& fr = ws.forward[i];
        const auto len = static_cast<std::size_t>((fr.logits_end - fr.logits_begin) * c.vocab_size());
        guidance.combine({fr.logits, len}, {ws.forward[n_cond + i].logits, len});
      }
    }
    filter_rows(s, n_cond);
    if (whole || length.wants_position_stats()) {
      std::size_t k = 0;
      for (std::size_t i = 0; i < n_cond; ++i) {
        const index_t r = ws.forward[i].canvas_row;
        for (index_t p = c.prompt_length(r); p < c.length(r); ++p) ws.batch_rows[k++] = scored_row(s, r, p);
      }
      backend.row_stats({ws.batch_rows.data(), k}, {ws.batch_stats.data(), k});
      k = 0;
      for (std::size_t i = 0; i < n_cond; ++i) {
        const index_t r = ws.forward[i].canvas_row;
        for (index_t p = c.prompt_length(r); p < c.length(r); ++p, ++k)
          ws.pstats[static_cast<std::size_t>(r * cap + p - c.prompt_length(r))] =
              checked(s, ws.batch_stats[k], ws.batch_rows[k], r, p);
      }
    }
  }

  // Applies the transform's filters (temperature, top-p, top-k) once to every output
  // row just received, in place, so every later read sees the filtered row.
  template <class M>
  void filter_rows(state<M>& s, std::size_t n_cond) const {
    auto& ws = *s.ws;
    if (ws.scratch.empty()) return;
    const auto v = static_cast<std::size_t>(ws.canvas.vocab_size());
    for (std::size_t i = 0; i < n_cond; ++i) {
      const auto& fr = ws.forward[i];
      for (index_t q = fr.logits_begin; q < fr.logits_end; ++q) {
        const std::span<float> row{fr.logits + static_cast<std::size_t>(q - fr.logits_begin) * v, v};
        const auto out = transform.apply(row, ws.scratch, ws.index_scratch);
        if (out.data() != row.data()) std::copy(out.begin(), out.end(), row.begin());
      }
    }
  }

  // Rejects an invalid row (NaN, +Inf, all -Inf) naming it; adds the tracked token.
  template <class M>
  position_stats checked(const state<M>& s, const row_stats& st, std::span<const float> row, index_t r,
                         index_t p) const {
    if (!st.valid())
      throw error(errc::invalid_logits, "logits",
                  detail::concat("logits of row ", r, ", position ", p, " (model call ", s.stats.model_calls,
                                 "): a scored row must be finite and not all -Inf (max = ", st.max1, ")"));
    position_stats ps;
    ps.stats = st;
    const token_id t = length.tracked_token();
    if (t >= 0) ps.tracked_logit = row[static_cast<std::size_t>(t)];
    return ps;
  }

  // The (already filtered) logits row that position p of row r scores.
  template <class M>
  std::span<const float> scored_row(const state<M>& s, index_t r, index_t p) const {
    return s.logits_row(r, transform.source(p));
  }

  // Where the token sampler's and the score rule's draws for position p of row r are.
  static random_counter score_counter(index_t step, index_t r, index_t p) noexcept {
    return {0, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(p)};
  }

  // The float64 decision filter: each score from the bounded pass becomes an interval
  // (the score at lse -/+ lse_error, plus rounding); candidates whose interval meets
  // another's or a critical score of the schedule are recomputed from float64
  // statistics (flag_uncertain says why that decides as float64 would).
  // The token sampler's proposal for candidate cd (row r) from its statistics, and its score.
  template <class M>
  void propose(const state<M>& s, candidate& cd, const row_stats& st, index_t r) const {
    const random_counter where = score_counter(s.step, r, cd.position);
    const token_choice ch = noise.pick(cd.logits, st, where);
    cd.token = ch.token;
    cd.token_logit = ch.logit;
    cd.stats = st;
    cd.commit = false;
    cd.score = static_cast<double>(score.score(cd, where));
  }

  // The float64 decision filter, after the score pass put each bounded score's interval
  // (the score at lse -/+ lse_error, plus rounding) in score_lo / score_hi: candidates
  // whose interval meets another's or a critical score of the schedule are proposed and
  // scored again from float64 statistics (flag_uncertain says why that decides as
  // float64 would).
  template <class M>
  void refine_uncertain(state<M>& s, std::size_t used) const {
    auto& ws = *s.ws;
    const index_t flagged = flag_uncertain(
        std::span<const double>(ws.score_lo.data(), used), std::span<const double>(ws.score_hi.data(), used),
        [this](double a, double b) { return schedule.critical_between(a, b); }, std::span<index_t>(ws.filter_order),
        std::span<unsigned char>(ws.filter_flags));
    if (flagged == 0) return;
    std::size_t f = 0;  // one backend call for the flagged rows (the pass's buffers are free now)
    for (std::size_t k = 0; k < used; ++k)
      if (ws.filter_flags[k] != 0) ws.batch_rows[f++] = ws.candidates[k].logits;
    backend.row_stats({ws.batch_rows.data(), f}, {ws.batch_stats.data(), f});
    f = 0;
    std::size_t k = 0;
    for (auto& rc : ws.row_cands)
      for (auto& cd : rc.items)
        if (ws.filter_flags[k++] != 0)
          propose(s, cd, checked(s, ws.batch_stats[f++], cd.logits, rc.row, cd.position).stats, rc.row);
    s.stats.refined += flagged;
  }

  template <class M>
  void activate(state<M>& s, index_t r) const {
    auto& c = s.ws->canvas;
    auto& st = s.ws->rows[static_cast<std::size_t>(r)];
    for (index_t guard = 0; guard <= c.capacity() + 1; ++guard) {
      block.place(c, r, st);
      st.finished = st.window_begin >= c.length(r);
      if (st.finished) return;
      const index_t masks = c.count_masked(r, st.window_begin, st.window_end);
      if (st.window_step == 0) st.window_masked = masks;
      if (!schedule.window_done(st, masks)) return;
      st.window_begin = block.next_begin(c, r, st);
      st.window_index += 1;
      st.window_step = 0;
    }
    throw error(errc::bound_exceeded, "block", "block policy did not advance past the row");
  }

  template <class M>
  length_context make_length_context(state<M>& s, index_t& change_count) const {
    auto& ws = *s.ws;
    return length_context(ws.canvas, ws.pstats, ws.row_cands, ws.rows, s.stats, ws.changes, change_count, &s,
                          [](void* p) {
                            auto* st = static_cast<state<M>*>(p);
                            st->self->evaluate(*st, true);
                            st->stats.length_calls += 1;
                          });
  }

  template <class M, class Observer>
  run_stats run_planned(token_buffer& caller, M& model, sampler_workspace& ws, Observer& observer) const {
    ws.canvas.assign_from(caller);
    auto& c = ws.canvas;
    const index_t rows = c.rows(), cap = c.capacity();
    state<M> s{this, &model, &ws};
    Length len = length;
    len.reset();

    for (index_t r = 0; r < rows; ++r) ws.rows[static_cast<std::size_t>(r)] = row_state{};
    {
      index_t changes = 0;
      ws.row_cands.clear();
      auto ctx = make_length_context(s, changes);
      len.prepare(ctx);
    }
    for (index_t r = 0; r < rows; ++r) {
      auto& st = ws.rows[static_cast<std::size_t>(r)];
      st.window_begin = block.first_begin(c, r);
      activate(s, r);
    }

    index_t bound = options.max_steps;
    if (bound == 0) bound = rows * (cap + 1) * std::max<index_t>(1, schedule.max_window_steps(cap)) + 1;

    for (s.step = 0;; ++s.step) {
      bool any = false;
      for (const auto& st : ws.rows) any = any || !st.finished;
      if (!any) break;
      if (s.step >= bound)
        throw error(errc::bound_exceeded, "max_steps",
                    detail::concat("max_steps = ", bound, ": the policies did not finish within their bound"));

      index_t batch_masked = 0;
      for (index_t r = 0; r < rows; ++r) {
        auto& st = ws.rows[static_cast<std::size_t>(r)];
        st.row_masked = c.count_masked(r);
        batch_masked += st.row_masked;
      }
      evaluate(s, false);

      // Score pass: candidates = masks in [scan_begin, window_end) of unfinished rows;
      // their statistics come from one batch call to the backend (or, when the length
      // policy wants every generated position, from the pass evaluate() already made).
      ws.row_cands.clear();
      std::size_t used = 0;
      const bool have_all = length.wants_position_stats();
      for (index_t r = 0; r < rows; ++r) {
        const auto& st = ws.rows[static_cast<std::size_t>(r)];
        if (st.finished) continue;
        const std::size_t first = used;
        for (index_t p = st.scan_begin; p < st.window_end; ++p) {
          if (!c.masked(r, p)) continue;
          candidate& cd = ws.candidates[used];
          cd.position = p;
          cd.logits = scored_row(s, r, p);
          ws.batch_rows[used++] = cd.logits;
        }
        ws.row_cands.push_back(row_candidates{r, {ws.candidates.data() + first, used - first}});
      }
      bool bounded = false;  // some score is from the filter's bounded pass
      if (!have_all) {
        if constexpr (filterable) {
          backend.row_stats_bounded({ws.batch_rows.data(), used}, {ws.batch_bounded.data(), used});
          for (std::size_t i = 0; i < used; ++i) {
            ws.batch_stats[i] = ws.batch_bounded[i].stats;
            bounded = bounded || ws.batch_bounded[i].lse_error != 0;
          }
        } else {
          backend.row_stats({ws.batch_rows.data(), used}, {ws.batch_stats.data(), used});
        }
      }
      std::size_t k = 0;
      for (auto& rc : ws.row_cands) {
        const index_t r = rc.row, prompt = c.prompt_length(r);
        for (auto& cd : rc.items) {
          const index_t p = cd.position;
          if (have_all && p < prompt)  // a mask inside the prompt: outside the all-positions pass
            backend.row_stats({&cd.logits, 1}, {&ws.batch_stats[k], 1});
          const position_stats ps = have_all && p >= prompt
                                        ? ws.pstats[static_cast<std::size_t>(r * cap + p - prompt)]
                                        : checked(s, ws.batch_stats[k], cd.logits, r, p);
          propose(s, cd, ps.stats, r);
          if constexpr (filterable)
            if (bounded) {  // the filter's interval around the score
              const score_interval iv =
                  score_interval_of(score, cd, ws.batch_bounded[k].lse_error, score_counter(s.step, r, p));
              ws.score_lo[k] = iv.lo;
              ws.score_hi[k] = iv.hi;
            }
          ++k;
        }
      }

      if constexpr (filterable)
        if (bounded) refine_uncertain(s, used);

      schedule_context sctx{s.step, rows, batch_masked, c.mask_id(), ws.rows};
      schedule.select(sctx, ws.row_cands);

      // Commit in position order per row (the schedule may have reordered candidates).
      std::size_t ncommit = 0;
      for (auto& rc : ws.row_cands) {
        std::sort(rc.items.begin(), rc.items.end(),
                  [](const candidate& a, const candidate& b) { return a.position < b.position; });
        for (const auto& cd : rc.items)
          if (cd.commit) {
            c.commit(rc.row, cd.position, cd.token);
            ws.commits[ncommit++] = committed_token{rc.row, cd.position, cd.token};
          }
      }
      s.stats.committed += static_cast<index_t>(ncommit);

      index_t changes = 0;
      {
        auto ctx = make_length_context(s, changes);
        len.apply(ctx);
      }

      for (index_t r = 0; r < rows; ++r) {
        auto& st = ws.rows[static_cast<std::size_t>(r)];
        if (st.finished) continue;
        st.window_step += 1;
        activate(s, r);
      }
      s.stats.steps += 1;
      observer(step_event{s.step, s.stats.model_calls, {ws.commits.data(), ncommit},
                          {ws.changes.data(), static_cast<std::size_t>(changes)}, &c});
      if (options.stop_when_unchanged && ncommit == 0 && changes == 0) break;
    }

    finish_stats(s.stats, c);
    caller.assign_from(c);
    return s.stats;
  }

  void finish_stats(run_stats& st, const token_buffer& c) const {
    st.final_length.assign(static_cast<std::size_t>(c.rows()), 0);
    st.effective_length.assign(static_cast<std::size_t>(c.rows()), 0);
    for (index_t r = 0; r < c.rows(); ++r) {
      const index_t g = c.gen_length(r);
      index_t eff = g;
      if (options.eos_id >= 0)
        for (index_t p = c.prompt_length(r); p < c.length(r); ++p)
          if (c.at(r, p) == options.eos_id) {
            eff = p - c.prompt_length(r) + 1;
            break;
          }
      st.final_length[static_cast<std::size_t>(r)] = g;
      st.effective_length[static_cast<std::size_t>(r)] = eff;
    }
  }
};

UNMASK_NAMESPACE_END
