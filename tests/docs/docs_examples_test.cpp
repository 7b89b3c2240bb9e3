// The code shown in the docs is the code the tests compile: every ```cpp block of
// README.md and docs/*.md tagged `<!-- example: NAME -->` must equal the region
// `// example-begin NAME` ... `// example-end` of tests/docs/*.cpp or examples/*.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using lines_t = std::vector<std::string>;

const fs::path source_dir{UNMASK_SOURCE_DIR};

// Docs whose every ```cpp block must be a tagged, compiled example.
const std::vector<std::string> strict_docs{"docs/design.md", "docs/concepts.md", "docs/custom_score_rule.md"};

lines_t read_lines(const fs::path& p) {
  std::ifstream in(p);
  lines_t out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Removes the indentation common to all non-blank lines, and trailing blanks.
lines_t dedent(lines_t l) {
  std::size_t common = std::string::npos;
  for (const auto& s : l)
    if (!trim(s).empty()) common = std::min(common, s.find_first_not_of(' '));
  for (auto& s : l) {
    s = trim(s).empty() ? std::string{} : s.substr(common == std::string::npos ? 0 : common);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  }
  return l;
}

std::string join(const lines_t& l) {
  std::ostringstream os;
  for (const auto& s : l) os << s << '\n';
  return os.str();
}

struct doc_block {
  std::string file;
  std::size_t line = 0;  // 1-based line of the opening fence
  std::string name;      // empty when untagged
  lines_t code;
};

// The name in `<!-- example: NAME ... -->`, or "" when the line is no such tag.
std::string tag_name(const std::string& line) {
  const std::string t = trim(line);
  const std::string open = "<!-- example:";
  if (t.rfind(open, 0) != 0 || t.size() < open.size() + 3 || t.substr(t.size() - 3) != "-->") return {};
  std::istringstream is(t.substr(open.size(), t.size() - open.size() - 3));
  std::string name;
  is >> name;
  return name;
}

struct parsed_doc {
  std::vector<doc_block> blocks;
  std::vector<std::string> problems;  // tags not followed by a cpp fence, unclosed fences
};

parsed_doc parse_doc(const fs::path& p, const std::string& rel) {
  parsed_doc d;
  const auto l = read_lines(p);
  for (std::size_t i = 0; i < l.size(); ++i) {
    const std::string t = trim(l[i]);
    const std::string tag = tag_name(l[i]);
    if (!tag.empty() && (i + 1 >= l.size() || trim(l[i + 1]).rfind("```cpp", 0) != 0))
      d.problems.push_back(rel + ":" + std::to_string(i + 1) + ": tag '" + tag +
                           "' is not directly followed by ```cpp");
    if (t.rfind("```cpp", 0) != 0) continue;
    doc_block b{rel, i + 1, i > 0 ? tag_name(l[i - 1]) : std::string{}, {}};
    std::size_t j = i + 1;
    for (; j < l.size() && trim(l[j]) != "```"; ++j) b.code.push_back(l[j]);
    if (j == l.size()) d.problems.push_back(rel + ":" + std::to_string(i + 1) + ": unclosed ```cpp block");
    b.code = dedent(b.code);
    d.blocks.push_back(b);
    i = j;
  }
  return d;
}

struct region {
  std::string file;
  std::size_t line = 0;
  lines_t code;
};

// Every `// example-begin NAME` ... `// example-end` region of the example sources.
std::map<std::string, region> parse_regions(std::vector<std::string>* problems) {
  std::map<std::string, region> out;
  std::vector<fs::path> files;
  for (const char* dir : {"tests/docs", "examples"})
    if (fs::is_directory(source_dir / dir))
      for (const auto& e : fs::directory_iterator(source_dir / dir))
        if (e.is_regular_file() && e.path().extension() == ".cpp") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const auto rel = fs::relative(f, source_dir).generic_string();
    const auto l = read_lines(f);
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string t = trim(l[i]);
      const std::string begin = "// example-begin ";
      if (t.rfind(begin, 0) != 0) continue;
      const std::string name = trim(t.substr(begin.size()));
      region r{rel, i + 1, {}};
      std::size_t j = i + 1;
      for (; j < l.size() && trim(l[j]) != "// example-end"; ++j) r.code.push_back(l[j]);
      if (j == l.size()) problems->push_back(rel + ":" + std::to_string(i + 1) + ": example-begin without example-end");
      r.code = dedent(r.code);
      if (!out.emplace(name, r).second)
        problems->push_back(rel + ":" + std::to_string(i + 1) + ": example '" + name + "' defined twice");
      i = j;
    }
  }
  return out;
}

std::vector<std::pair<fs::path, std::string>> doc_files() {
  std::vector<std::pair<fs::path, std::string>> out;
  if (fs::exists(source_dir / "README.md")) out.emplace_back(source_dir / "README.md", "README.md");
  std::vector<fs::path> docs;
  if (fs::is_directory(source_dir / "docs"))
    for (const auto& e : fs::directory_iterator(source_dir / "docs"))
      if (e.is_regular_file() && e.path().extension() == ".md") docs.push_back(e.path());
  std::sort(docs.begin(), docs.end());
  for (const auto& p : docs) out.emplace_back(p, "docs/" + p.filename().string());
  return out;
}

// The first line where a and b differ, for the failure message.
std::string first_difference(const lines_t& a, const lines_t& b) {
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "<end>", y = i < b.size() ? b[i] : "<end>";
    if (x != y) return "line " + std::to_string(i + 1) + ":\n  doc:    " + x + "\n  source: " + y;
  }
  return "identical";
}

}  // namespace

TEST_CASE("docs: every tagged cpp block equals its compiled example region", "[docs]") {
  std::vector<std::string> problems;
  const auto regions = parse_regions(&problems);
  for (const auto& p : problems) FAIL_CHECK(p);
  std::size_t checked = 0;
  for (const auto& [path, rel] : doc_files()) {
    const auto d = parse_doc(path, rel);
    for (const auto& p : d.problems) FAIL_CHECK(p);
    for (const auto& b : d.blocks) {
      if (b.name.empty()) continue;
      INFO(b.file << ":" << b.line << ": example '" << b.name << "'");
      const auto it = regions.find(b.name);
      if (it == regions.end()) {
        FAIL_CHECK("no '// example-begin " << b.name << "' region in tests/docs/*.cpp or examples/*.cpp");
        continue;
      }
      INFO("region at " << it->second.file << ":" << it->second.line);
      INFO(first_difference(b.code, it->second.code));
      CHECK(join(b.code) == join(it->second.code));
      ++checked;
    }
  }
  CHECK(checked >= 10);  // the core docs alone show more than ten examples
}

TEST_CASE("docs: the core docs show only compiled examples", "[docs]") {
  for (const auto& rel : strict_docs) {
    INFO(rel);
    REQUIRE(fs::exists(source_dir / rel));
    const auto d = parse_doc(source_dir / rel, rel);
    CHECK_FALSE(d.blocks.empty());
    for (const auto& b : d.blocks) {
      INFO(rel << ":" << b.line);
      CHECK_FALSE(b.name.empty());  // an untagged ```cpp block is not compiled by anything
    }
  }
}

TEST_CASE("docs: every example region under tests/docs is shown by some doc", "[docs]") {
  std::vector<std::string> problems;
  const auto regions = parse_regions(&problems);
  std::set<std::string> shown;
  for (const auto& [path, rel] : doc_files())
    for (const auto& b : parse_doc(path, rel).blocks)
      if (!b.name.empty()) shown.insert(b.name);
  for (const auto& [name, r] : regions) {
    if (r.file.rfind("tests/docs/", 0) != 0) continue;
    INFO(r.file << ":" << r.line << ": example '" << name << "'");
    CHECK(shown.count(name) == 1);
  }
}

TEST_CASE("docs: the extraction itself", "[docs]") {
  // The parser the checks above rely on, on a known input.
  const fs::path tmp = fs::temp_directory_path() / "unmask_docs_parser_test.md";
  {
    std::ofstream out(tmp);
    out << "text\n<!-- example: alpha (note) -->\n```cpp\n  int a = 1;\n    int b = 2;\n```\n"
           "```cpp\nuntagged();\n```\n<!-- example: beta -->\nnot a fence\n";
  }
  const auto d = parse_doc(tmp, "x.md");
  fs::remove(tmp);
  REQUIRE(d.blocks.size() == 2);
  CHECK(d.blocks[0].name == "alpha");
  CHECK(d.blocks[0].line == 3);
  CHECK(d.blocks[0].code == lines_t{"int a = 1;", "  int b = 2;"});
  CHECK(d.blocks[1].name.empty());
  REQUIRE(d.problems.size() == 1);
  CHECK(d.problems[0].find("'beta'") != std::string::npos);
  CHECK(tag_name("<!-- example: gamma -->") == "gamma");
  CHECK(tag_name("<!-- note -->").empty());
}
