// unmask-demo: a real masked diffusion model (models/tiny-mdm) sampled with DAEDAL or LLaDA.
// Runs bundled prompts (optionally animated) and evaluates fixed lengths against DAEDAL.

#include "model/tasks.hpp"
#include "model/tiny_mdm.hpp"
#include "model/tokenizer.hpp"

#include <unmask/presets/daedal.hpp>
#include <unmask/presets/llada.hpp>
#if defined(UNMASK_HAS_ONEDNN_BACKEND)
#include <unmask/backend/onednn/model_forward.hpp>
#include "model/safetensors.hpp"
#endif

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using unmask::index_t;
using unmask::token_id;

const char* const usage = R"(unmask-demo: a tiny LLaDA-style masked diffusion model sampled by unmask.

  unmask-demo [options]            run DAEDAL on a few bundled prompts
  unmask-demo eval [options]       accuracy and cost: fixed lengths (LLaDA) vs DAEDAL

Options (demo):
  --prompt TEXT        a problem instead of the bundled ones (repeatable), e.g.
                       "countdown 20 3", "reverse hello", "sort 93412",
                       "repeat moon 7", "add 3+8+5"
  --visual             animate the canvas as it denoises (_ mask, green: committed
                       this step, yellow: inserted masks, . EOS)
  --delay-ms N         frame delay for --visual (default 60)
  --preset NAME        daedal (default) | llada
  --backend NAME       eigen (default) | onednn | onednn-bf16 (the model forward; oneDNN builds only)
  --seed N             Philox seed (matters with --temperature > 0)
  --temperature T      sampling temperature (default 0: greedy)
DAEDAL parameters (tiny-model defaults; the reference's names):
  --initial-length N (32) --max-length N (256) --block-length N (32)
  --high T (0.9) --low T (0.1) --expansion-factor N (8) --eos-threshold T (0.5)
  --expand-eos-threshold T (0.9) --eos-window N (32)
LLaDA parameters:
  --gen-length N (128) --steps N (gen-length / 2) --block-length N (32)
Options (eval):
  --n N                held-out problems (default 50; the first N of heldout.json)
  --offset K           skip the first K problems (--offset 400: the dev problems
                       used to choose the tiny-model defaults, not reported)
  --lengths a,b,...    fixed lengths for LLaDA (default 32,64,128,256)
  --tokens-per-step K  LLaDA steps = length / K (default 2)
  --json               print {"rows":[...]} instead of the table
Common:
  --model DIR          model directory (default: models/tiny-mdm next to the
                       current directory or the executable)
)";

struct options {
  std::string mode = "demo";
  std::string model_dir;
  std::vector<std::string> prompts;
  bool visual = false, json = false;
  int delay_ms = 60;
  std::string preset = "daedal";
  std::string backend = "eigen";
  unmask::presets::daedal_params daedal{};
  unmask::presets::llada_params llada{};
  bool steps_given = false;
  index_t n = 50, offset = 0, tokens_per_step = 2;
  std::vector<index_t> lengths{32, 64, 128, 256};
};

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "unmask-demo: " << msg << "\n(unmask-demo --help for usage)\n";
  std::exit(2);
}

double to_double(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    const double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  die(flag + " expects a number, got '" + v + "'");
}

index_t to_int(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    const long long d = std::stoll(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  die(flag + " expects an integer, got '" + v + "'");
}

options parse(int argc, char** argv) {
  options o;
  // Defaults of the tiny model: answers are 1..112 tokens, so DAEDAL starts at 32 and is
  // capped at 256; the reference's thresholds and expansion factor are kept.
  o.daedal.initial_gen_length = 32;
  o.daedal.max_gen_length = 256;
  o.daedal.block_length = 32;
  o.llada.gen_length = 128;
  o.llada.block_length = 32;
  int i = 1;
  if (argc > 1 && std::string(argv[1]) == "eval") {
    o.mode = "eval";
    i = 2;
  }
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      std::exit(0);
    } else if (a == "--model") o.model_dir = value();
    else if (a == "--prompt") o.prompts.push_back(value());
    else if (a == "--visual") o.visual = true;
    else if (a == "--json") o.json = true;
    else if (a == "--delay-ms") o.delay_ms = static_cast<int>(to_int(a, value()));
    else if (a == "--preset") o.preset = value();
    else if (a == "--backend") o.backend = value();
    else if (a == "--seed") o.daedal.seed = o.llada.seed = static_cast<std::uint64_t>(to_int(a, value()));
    else if (a == "--temperature") o.daedal.temperature = o.llada.temperature = to_double(a, value());
    else if (a == "--initial-length") o.daedal.initial_gen_length = to_int(a, value());
    else if (a == "--max-length") o.daedal.max_gen_length = to_int(a, value());
    else if (a == "--block-length") o.daedal.block_length = o.llada.block_length = to_int(a, value());
    else if (a == "--high") o.daedal.high_conf_threshold = to_double(a, value());
    else if (a == "--low") o.daedal.low_conf_threshold = to_double(a, value());
    else if (a == "--expansion-factor") o.daedal.expansion_factor = to_int(a, value());
    else if (a == "--eos-threshold") o.daedal.eos_confidence_threshold = to_double(a, value());
    else if (a == "--expand-eos-threshold") o.daedal.expand_eos_confidence_threshold = to_double(a, value());
    else if (a == "--eos-window") o.daedal.eos_check_tokens = to_int(a, value());
    else if (a == "--gen-length") o.llada.gen_length = to_int(a, value());
    else if (a == "--steps") {
      o.llada.steps = to_int(a, value());
      o.steps_given = true;
    } else if (a == "--n") o.n = to_int(a, value());
    else if (a == "--offset") o.offset = to_int(a, value());
    else if (a == "--tokens-per-step") o.tokens_per_step = to_int(a, value());
    else if (a == "--lengths") {
      o.lengths.clear();
      std::stringstream ss(value());
      std::string part;
      while (std::getline(ss, part, ',')) o.lengths.push_back(to_int(a, part));
    } else die("unknown option '" + a + "'");
  }
  if (o.preset != "daedal" && o.preset != "llada") die("--preset must be daedal or llada, got '" + o.preset + "'");
  if (o.n <= 0) die("--n must be positive");
  if (o.offset < 0) die("--offset must not be negative");
  if (o.tokens_per_step <= 0) die("--tokens-per-step must be positive");
  if (o.delay_ms < 0) die("--delay-ms must not be negative");
  return o;
}

std::string find_model_dir(const std::string& given, const char* argv0) {
  if (!given.empty()) return given;
  std::vector<fs::path> tries{"models/tiny-mdm"};
  std::error_code ec;
  const auto exe = fs::canonical("/proc/self/exe", ec);
  if (!ec) tries.push_back(exe.parent_path().parent_path().parent_path() / "models/tiny-mdm");
  tries.push_back(fs::path(argv0).parent_path() / "../../models/tiny-mdm");
#ifdef UNMASK_SOURCE_DIR
  tries.push_back(fs::path(UNMASK_SOURCE_DIR) / "models/tiny-mdm");
#endif
  for (const auto& t : tries)
    if (fs::exists(t / "model.safetensors")) return t.string();
  die("cannot find models/tiny-mdm (pass --model DIR)");
}

// ---------------------------------------------------------------------------------------
// One problem, one run.

struct outcome {
  std::string answer;
  bool correct = false;
  unmask::run_stats stats;
  double seconds = 0;
};

struct setup {
  std::function<void(const unmask::forward_request&)> model;  // Eigen or oneDNN forward
  index_t vocab = 0;
  const unmask_model::tokenizer* tok;
};

unmask::presets::daedal_params daedal_for(const options& o, const unmask_model::tokenizer& tok) {
  auto p = o.daedal;
  p.mask_id = tok.mask_id();
  p.eos_id = tok.eos_id();
  return p;
}

unmask::presets::llada_params llada_for(const options& o, const unmask_model::tokenizer& tok, index_t gen_length) {
  auto p = o.llada;
  p.gen_length = gen_length;
  if (!o.steps_given || o.mode == "eval") p.steps = std::max<index_t>(1, gen_length / o.tokens_per_step);
  p.block_length = std::min(p.block_length, gen_length);
  p.mask_id = tok.mask_id();
  p.eos_id = tok.eos_id();
  return p;
}

template <class Sampler, class Observer>
outcome run_one(const Sampler& s, unmask::token_buffer canvas, const setup& su, const std::string& prompt,
                Observer&& observer) {
  outcome r;
  const auto t0 = std::chrono::steady_clock::now();
  r.stats = s.run(canvas, su.model, observer);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto row = canvas.row(0);
  r.answer = su.tok->decode(row.subspan(static_cast<std::size_t>(canvas.prompt_length(0))));
  r.correct = unmask_model::check(prompt, r.answer);
  return r;
}

// Animation: the whole generation region each step.
struct visualizer {
  const unmask_model::tokenizer* tok;
  std::string prompt;
  int delay_ms;
  void operator()(const unmask::step_event& e) const {
    const auto& c = *e.canvas;
    const index_t P = c.prompt_length(0);
    std::vector<int> mark(static_cast<std::size_t>(c.length(0)), 0);
    for (const auto& ct : e.commits)
      if (ct.row == 0) {
        // commits are reported at their position before this step's insertions
        index_t p = ct.position;
        for (const auto& ch : e.length_changes)
          if (ch.row == 0 && ch.position < ct.position) p += ch.count - 1;
        if (p < c.length(0)) mark[static_cast<std::size_t>(p)] = 1;
      }
    for (const auto& ch : e.length_changes)
      if (ch.row == 0)
        for (index_t k = 0; k < ch.count && ch.position + k < c.length(0); ++k)
          mark[static_cast<std::size_t>(ch.position + k)] = 2;
    std::string line;
    for (index_t p = P; p < c.length(0); ++p) {
      const token_id t = c.at(0, p);
      std::string g = t == c.mask_id() ? "_" : t == tok->eos_id() ? "." : tok->piece(t);
      const int m = mark[static_cast<std::size_t>(p)];
      if (m == 1) g = "\x1b[1;32m" + g + "\x1b[0m";
      else if (m == 2) g = "\x1b[1;33m" + g + "\x1b[0m";
      else if (t == c.mask_id() || t == tok->eos_id()) g = "\x1b[2m" + g + "\x1b[0m";
      line += g;
    }
    std::cout << "\x1b[H\x1b[J" << "prompt: " << prompt << "\nstep " << e.step + 1 << "  model calls " << e.model_calls
              << "  length " << c.gen_length(0) << "  masks " << c.count_masked(0, P, c.length(0)) << "\n\n"
              << line << "\n"
              << std::flush;
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  }
};

outcome solve_with(const options& o, const setup& su, const std::string& prompt, bool visual) {
  const auto ids = su.tok->encode(prompt);
  const std::vector<std::vector<token_id>> prompts{ids};
  const auto V = su.vocab;
  visualizer vis{su.tok, prompt, o.delay_ms};
  auto observe = [&](const unmask::step_event& e) {
    if (visual) vis(e);
  };
  if (o.preset == "daedal") {
    const auto p = daedal_for(o, *su.tok);
    return run_one(unmask::presets::daedal(p), unmask::presets::daedal_canvas(prompts, p, V), su, prompt, observe);
  }
  const auto p = llada_for(o, *su.tok, o.llada.gen_length);
  return run_one(unmask::presets::llada(p),
                 unmask::token_buffer::from_prompts(prompts, p.gen_length, V, su.tok->mask_id()), su, prompt, observe);
}

int demo(const options& o, const setup& su) {
  std::vector<std::string> prompts = o.prompts;
  if (prompts.empty()) prompts = {"countdown 17 2", "reverse diffusion", "sort 8301942", "repeat moon 9", "add 3+8+5+9"};
  for (const auto& q : prompts) {
    const auto want = unmask_model::solve(q);
    const auto r = solve_with(o, su, q, o.visual);
    const auto& st = r.stats;
    std::cout << (o.visual ? "\n" : "") << "question: " << q << "\n"
              << "answer:   " << r.answer << "\n"
              << "expected: " << (want ? *want : std::string("(not a valid problem)")) << "  ["
              << (r.correct ? "correct" : "wrong") << "]\n"
              << "length:   " << st.final_length[0] << " generated, " << st.effective_length[0]
              << " up to and including the first EOS\n"
              << "stats:    " << st.model_calls << " model calls (" << st.length_calls << " for the initial length), "
              << st.token_evaluations << " token evaluations, " << st.expansions << " expansions, " << st.insertions
              << " insertions, " << std::fixed << std::setprecision(3) << r.seconds << " s\n\n"
              << std::defaultfloat;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// eval: the DAEDAL paper's comparison on held-out problems.

struct row_result {
  std::string policy;
  index_t problems = 0, correct = 0;
  double total_len = 0, effective = 0, calls = 0, token_evals = 0, seconds = 0;
  double length_error = 0;  // sum of |effective length - (correct answer + EOS)|
  std::map<std::string, std::pair<index_t, index_t>> per_task;  // task -> (correct, problems)
  double accuracy() const { return problems ? double(correct) / double(problems) : 0.0; }
  double ratio() const { return total_len > 0 ? effective / total_len : 0.0; }
};

int eval(const options& o, const setup& su, const std::string& dir) {
  std::ifstream in(dir + "/heldout.json");
  if (!in) die("cannot open " + dir + "/heldout.json");
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.contains("problems")) die(dir + "/heldout.json has no \"problems\"");
  std::vector<std::string> probs;
  index_t skipped = 0;
  for (const auto& p : j["problems"]) {
    if (skipped++ < o.offset) continue;
    if (static_cast<index_t>(probs.size()) == o.n) break;
    probs.push_back(p.at("prompt").get<std::string>());
    if (unmask_model::solve(probs.back()) != p.at("answer").get<std::string>())
      die("heldout.json answer disagrees with the C++ checker for '" + probs.back() + "'");
  }
  const auto V = su.vocab;
  std::vector<row_result> rows;
  auto account = [](row_result& rr, const outcome& r, const std::string& q) {
    auto& t = rr.per_task[q.substr(0, q.find(' '))];
    t.first += r.correct ? 1 : 0;
    t.second += 1;
    rr.problems += 1;
    rr.correct += r.correct ? 1 : 0;
    const double want = double(unmask_model::solve(q)->size()) + 1.0;
    rr.length_error += std::abs(double(r.stats.effective_tokens()) - want);
    rr.total_len += double(r.stats.total_tokens());
    rr.effective += double(r.stats.effective_tokens());
    rr.calls += double(r.stats.model_calls);
    rr.token_evals += double(r.stats.token_evaluations);
    rr.seconds += r.seconds;
  };
  auto noop = [](const unmask::step_event&) {};
  for (index_t L : o.lengths) {
    if (L <= 0) die("--lengths entries must be positive");
    row_result rr;
    const auto p = llada_for(o, *su.tok, L);
    rr.policy = "llada-" + std::to_string(L);
    const auto s = unmask::presets::llada(p);
    for (const auto& q : probs) {
      const std::vector<std::vector<token_id>> prompts{su.tok->encode(q)};
      account(rr, run_one(s, unmask::token_buffer::from_prompts(prompts, L, V, su.tok->mask_id()), su, q, noop), q);
    }
    if (!o.json) std::cerr << "  " << rr.policy << " done (" << rr.seconds << " s)\n";
    rows.push_back(rr);
  }
  {
    row_result rr;
    const auto p = daedal_for(o, *su.tok);
    rr.policy = "daedal-" + std::to_string(p.initial_gen_length);
    const auto s = unmask::presets::daedal(p);
    for (const auto& q : probs) {
      const std::vector<std::vector<token_id>> prompts{su.tok->encode(q)};
      account(rr, run_one(s, unmask::presets::daedal_canvas(prompts, p, V), su, q, noop), q);
    }
    rows.push_back(rr);
  }
  const double n = double(probs.size());
  if (o.json) {
    nlohmann::json out;
    out["problems"] = probs.size();
    out["offset"] = o.offset;
    out["rows"] = nlohmann::json::array();
    for (const auto& r : rows)
      out["rows"].push_back({{"policy", r.policy},
                             {"accuracy", r.accuracy()},
                             {"mean_total_length", r.total_len / n},
                             {"mean_effective_tokens", r.effective / n},
                             {"effective_ratio", r.ratio()},
                             {"mean_length_error", r.length_error / n},
                             {"model_calls", r.calls / n},
                             {"token_evals", r.token_evals / n},
                             {"seconds", r.seconds},
                             {"per_task_accuracy", [&] {
                                nlohmann::json t;
                                for (const auto& [k, v] : r.per_task) t[k] = double(v.first) / double(v.second);
                                return t;
                              }()}});
    std::cout << out.dump(1) << "\n";
    return 0;
  }
  std::cout << probs.size() << " held-out problems from #" << o.offset << " (" << dir << "/heldout.json); per-problem means; LLaDA with "
            << o.tokens_per_step << " tokens/step, block " << o.llada.block_length << "\n\n";
  std::cout << "| policy | accuracy | total length | effective tokens | effective ratio | length error | model calls | token evals | seconds |\n"
            << "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : rows)
    std::cout << "| " << r.policy << " | " << std::fixed << std::setprecision(1) << 100 * r.accuracy() << "% | "
              << r.total_len / n << " | " << r.effective / n << " | " << std::setprecision(1) << 100 * r.ratio()
              << "% | " << r.length_error / n << " | " << r.calls / n << " | " << std::setprecision(0) << r.token_evals / n << " | "
              << std::setprecision(1) << r.seconds << " |\n";
  std::cout << "\nper task (correct / problems):\n\n| policy |";
  for (const auto& [k, v] : rows.front().per_task) std::cout << " " << k << " |";
  std::cout << "\n|---|";
  for (std::size_t k = 0; k < rows.front().per_task.size(); ++k) std::cout << "---|";
  std::cout << "\n";
  for (const auto& r : rows) {
    std::cout << "| " << r.policy << " |";
    for (const auto& [k, v] : r.per_task) std::cout << " " << v.first << "/" << v.second << " |";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto o = parse(argc, argv);
  try {
    const auto dir = find_model_dir(o.model_dir, argv[0]);
    auto model = unmask_model::tiny_mdm::load(dir);
    const auto tok = unmask_model::tokenizer::load(dir + "/vocab.json");
    if (tok.vocab_size() != model.vocab_size()) die("vocab.json and config.json disagree on the vocabulary size");
    setup su{[&model](const unmask::forward_request& r) { model(r); }, model.vocab_size(), &tok};
#if defined(UNMASK_HAS_ONEDNN_BACKEND)
    std::optional<unmask_model::safetensors_file> file;
    std::optional<unmask::onednn::llada_forward> onednn_model;
    if (o.backend == "onednn" || o.backend == "onednn-bf16") {
      file.emplace(unmask_model::safetensors_file::load(dir + "/model.safetensors"));
      const auto type = o.backend == "onednn" ? dnnl::memory::data_type::f32 : dnnl::memory::data_type::bf16;
      onednn_model.emplace(unmask::onednn::make_onednn_model(model.config(), *file, {.weights = type}));
      su.model = [m = &*onednn_model](const unmask::forward_request& r) { (*m)(r); };
    } else if (o.backend != "eigen") {
      die("--backend must be eigen, onednn or onednn-bf16, got '" + o.backend + "'");
    }
#else
    if (o.backend != "eigen")
      die("--backend '" + o.backend + "' is not available: this build has no oneDNN backend (libdnnl-dev)");
#endif
    return o.mode == "eval" ? eval(o, su, dir) : demo(o, su);
  } catch (const unmask::error& e) {
    std::cerr << "unmask-demo: " << e.what() << "\n";
    return 1;
  }
}
