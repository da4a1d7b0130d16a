// routes_cmd.cpp: the routing-tree tools. `routes show` and `routes test --config.file` print what
// amtool 0.25 prints, byte for byte, so scripts written for amtool keep working; `routes test PATH...`
// runs the test files a team keeps in version control (routes/*.tests.yml) and reports every case.
#include "app/routes_cmd.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/subcommands.hpp"
#include "config/config.hpp"
#include "config/route_tests.hpp"
#include "core/labels.hpp"
#include "core/matcher.hpp"
#include "core/time.hpp"
#include "dispatch/dispatcher.hpp"
#include "timeinterval/timeinterval.hpp"

namespace tocsin::app {

namespace {

constexpr const char* kUsage =
    "usage: tocsin routes [show] [--config.file=FILE | FILE]\n"
    "       tocsin routes test --config.file=FILE [--verify.receivers=A,B] [--tree] [label=value ...]\n"
    "       tocsin routes test PATH...   (test files, or directories holding *.tests.yml)\n";

int fail_usage(const std::string& msg) {
  std::fprintf(stderr, "tocsin: error: %s\n%s", msg.c_str(), kUsage);
  return 1;
}

// ---- the tree drawing of github.com/xlab/treeprint, which amtool uses ----
struct TreeNode {
  std::string value;
  std::vector<TreeNode> children;
};

void draw_nodes(std::string& out, size_t level, std::vector<size_t> ended, const std::vector<TreeNode>& nodes) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    const bool last = i + 1 == nodes.size();
    if (last) ended.push_back(level);
    for (size_t l = 0; l < level; ++l) {
      // treeprint pads its vertical bar with two no-break spaces and a space; amtool prints them as is.
      const bool done = std::find(ended.begin(), ended.end(), l) != ended.end();
      out += done ? "    " : "\xe2\x94\x82\xc2\xa0\xc2\xa0 ";
    }
    out += last ? "\xe2\x94\x94\xe2\x94\x80\xe2\x94\x80 " : "\xe2\x94\x9c\xe2\x94\x80\xe2\x94\x80 ";
    out += nodes[i].value;
    out += "\n";
    if (!nodes[i].children.empty()) draw_nodes(out, level + 1, ended, nodes[i].children);
  }
}

// A tree under treeprint's unnamed root ".".
std::string draw_tree(const TreeNode& top) {
  std::string out = ".\n";
  draw_nodes(out, 0, {}, {top});
  return out;
}

// The route's matchers as amtool 0.25 prints them: match_re values carry the anchors the 0.25 config
// adds ("^(?:v)$"), and all are sorted by name, value, then type.
std::string route_matchers_string(const config::Route& r) {
  struct Shown {
    std::string name, value;
    MatchType type;
  };
  std::vector<Shown> shown;
  for (const auto& [k, v] : r.match) shown.push_back({k, v, MatchType::kEqual});
  for (const auto& [k, v] : r.match_re) shown.push_back({k, "^(?:" + v + ")$", MatchType::kRegex});
  for (const auto& m : r.matchers_written) shown.push_back({m.name(), m.value(), m.type()});
  std::stable_sort(shown.begin(), shown.end(), [](const Shown& a, const Shown& b) {
    if (a.name != b.name) return a.name < b.name;
    if (a.value != b.value) return a.value < b.value;
    return a.type < b.type;
  });
  Matchers ms;
  for (const auto& s : shown) {
    auto m = Matcher::make(s.type, s.name, s.value);
    if (!m) m = Matcher::make(MatchType::kEqual, s.name, s.value);  // only for printing
    ms.push_back(*m);
  }
  return matchers_to_string(ms);
}

std::string route_slug(const config::Route& r, bool show_continue, bool show_receiver) {
  std::string s = r.match.empty() && r.match_re.empty() && r.matchers_written.empty() ? "default-route"
                                                                                        : route_matchers_string(r);
  if (show_continue && r.continue_) s += "  continue: true";
  if (show_receiver) s += "  receiver: " + r.receiver;
  return s;
}

TreeNode full_tree(const config::Route& r) {
  TreeNode n{route_slug(r, true, true), {}};
  for (const auto& c : r.routes) n.children.push_back(full_tree(*c));
  return n;
}

// amtool's --tree: the branches an alert walks; the routes it ends on name their receiver.
TreeNode matching_tree(const config::Route& r, const LabelSet& labels) {
  TreeNode n{route_slug(r, false, false), {}};
  for (const auto& c : r.routes) {
    if (!matches_all(c->matchers, labels)) continue;
    n.children.push_back(matching_tree(*c, labels));
    if (!c->continue_) break;
  }
  if (n.children.empty()) n.value = route_slug(r, false, true);
  return n;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::vector<std::string> receivers_of(const config::Route& root, const LabelSet& labels) {
  std::vector<std::string> out;
  for (const config::Route* r : dispatch::match_routes(root, labels)) out.push_back(r->receiver);
  return out;
}

// ---- arguments ----
struct Args {
  std::optional<std::string> config_file;
  std::optional<std::string> verify_receivers;
  bool tree = false;
  std::vector<std::string> positional;
};

// Reads kingpin-style flags (--name=value or --name value) from argv[first..].
std::optional<Args> parse_args(int argc, char** argv, int first, std::string& err) {
  Args a;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) a.positional.emplace_back(argv[i]);
      break;
    }
    if (arg.rfind("--", 0) != 0) {
      a.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    if (name == "tree") {
      a.tree = true;
      continue;
    }
    if (name != "config.file" && name != "verify.receivers") {
      err = "unknown long flag '--" + name + "'";
      return std::nullopt;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        err = "expected argument for flag '--" + name + "'";
        return std::nullopt;
      }
      value = argv[++i];
    }
    (name == "config.file" ? a.config_file : a.verify_receivers) = value;
  }
  return a;
}

// `blank_line`: amtool's routes test ends the error with an empty line, its routes show does not.
std::optional<config::Config> load_config(const std::string& path, bool blank_line) {
  if (auto bad = app::missing_file_error(path)) {
    std::fprintf(stderr, "tocsin: error: %s\n\n", bad->c_str());
    return std::nullopt;
  }
  auto cfg = config::load_file(path);
  if (!cfg) {
    std::fprintf(stderr, "tocsin: error: %s\n%s", cfg.error().c_str(), blank_line ? "\n" : "");
    return std::nullopt;
  }
  return std::move(cfg).value();
}

int routes_show(const Args& a) {
  std::optional<std::string> file = a.config_file;
  if (!file && a.positional.size() == 1) file = a.positional[0];
  if (!file) return fail_usage("you have to give the config file (--config.file=FILE)");
  if (a.positional.size() > (a.config_file ? 0u : 1u)) return fail_usage("unexpected " + a.positional.back());
  auto cfg = load_config(*file, false);
  if (!cfg) return 1;
  std::cout << "Routing tree:\n" << draw_tree(full_tree(*cfg->route)) << "\n";
  return 0;
}

// amtool config routes test: one label set, the receivers it reaches on one line.
int routes_test_labels(const Args& a) {
  auto cfg = load_config(*a.config_file, true);
  if (!cfg) return 1;
  std::vector<LabelSet::Pair> pairs;
  for (const auto& l : a.positional) {
    auto m = parse_matcher_classic(l);
    if (!m) {
      std::fprintf(stderr, "tocsin: error: Failed to parse labels: %s\n\n", m.error().c_str());
      return 1;
    }
    if (m->type() != MatchType::kEqual) {
      std::fprintf(stderr, "tocsin: error: Failed to parse labels: labels must be specified as key=value pairs\n\n");
      return 1;
    }
    pairs.emplace_back(m->name(), m->value());
  }
  const LabelSet labels(std::move(pairs));
  if (a.tree) std::cout << "Matching routes:\n" << draw_tree(matching_tree(*cfg->route, labels)) << "\n\n";
  const std::string got = join(receivers_of(*cfg->route, labels), ",");
  std::cout << got << "\n";
  if (a.verify_receivers && !a.verify_receivers->empty() && *a.verify_receivers != got) {
    std::cout << "WARNING: Expected receivers did not match resolved receivers.\n";
    return 1;
  }
  return 0;
}

// The test files named by `paths`: files as given, directories by their *.tests.yml / *.tests.yaml.
std::optional<std::vector<std::string>> test_files(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      if (!fs::exists(p, ec)) {
        std::fprintf(stderr, "tocsin: error: %s: no such file or directory\n", p.c_str());
        return std::nullopt;
      }
      out.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(p, ec)) {
      const std::string name = e.path().filename().string();
      const bool is_test = name.size() > 10 && (name.ends_with(".tests.yml") || name.ends_with(".tests.yaml"));
      if (e.is_regular_file() && is_test) found.push_back(e.path().string());
    }
    if (found.empty()) {
      std::fprintf(stderr, "tocsin: error: %s: no *.tests.yml files\n", p.c_str());
      return std::nullopt;
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

std::string bracketed(const std::vector<std::string>& v) { return "[" + join(v, ", ") + "]"; }

// Runs every case of every file; one line a case, the expectation and the outcome on a failure.
int routes_test_files(const std::vector<std::string>& paths) {
  auto files = test_files(paths);
  if (!files) return 1;
  std::map<std::string, config::Config> configs;  // loaded once, however many files share one
  int passed = 0, failed = 0, broken = 0;
  for (const auto& path : *files) {
    auto tf = config::load_route_tests(path);
    if (!tf) {
      std::cout << "ERROR " << tf.error() << "\n";
      ++broken;
      continue;
    }
    auto it = configs.find(tf->config_path);
    if (it == configs.end()) {
      auto cfg = config::load_file(tf->config_path);
      if (!cfg) {
        std::cout << "ERROR " << path << ": config " << tf->config_path << ": " << cfg.error() << "\n";
        ++broken;
        continue;
      }
      it = configs.emplace(tf->config_path, std::move(cfg).value()).first;
    }
    const config::Config& cfg = it->second;
    const timeinterval::Intervals intervals(cfg.time_intervals);
    for (const auto& c : tf->tests) {
      const auto routes = dispatch::match_routes(*cfg.route, c.labels);
      std::vector<std::string> got;
      std::vector<std::string> muted;
      for (const config::Route* r : routes) {
        got.push_back(r->receiver);
        if (c.at && intervals.muted(r->mute_time_intervals, r->active_time_intervals, *c.at)) {
          muted.push_back(r->receiver);
        }
      }
      const bool receivers_ok = got == c.receivers;
      const bool muted_ok = !c.at || muted == c.muted;
      std::string head = path + ":" + std::to_string(c.line);
      if (!c.name.empty()) head += " (" + c.name + ")";
      head += " " + c.labels.to_string();
      if (c.at) head += " at " + format_rfc3339(*c.at);
      if (receivers_ok && muted_ok) {
        ++passed;
        std::cout << "PASS  " << head << " -> " << join(got, ",");
        if (c.at) std::cout << " (muted: " << bracketed(muted) << ")";
        std::cout << "\n";
        continue;
      }
      ++failed;
      std::cout << "FAIL  " << head << "\n";
      if (!receivers_ok) {
        std::cout << "      expected receivers: " << bracketed(c.receivers) << "\n"
                  << "      got receivers:      " << bracketed(got) << "\n";
      }
      if (!muted_ok) {
        std::cout << "      expected muted: " << bracketed(c.muted) << "\n"
                  << "      got muted:      " << bracketed(muted) << "\n";
      }
    }
  }
  std::cout << passed << " passed, " << failed << " failed";
  if (broken) std::cout << ", " << broken << " files with errors";
  std::cout << "\n";
  return failed || broken ? 1 : 0;
}

}  // namespace

int routes_command(int argc, char** argv) {
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  std::string err;
  auto args = parse_args(argc, argv, 2, err);
  if (!args) return fail_usage(err);
  std::string sub = "show";  // amtool's default subcommand
  if (!args->positional.empty() && (args->positional[0] == "show" || args->positional[0] == "test")) {
    sub = args->positional[0];
    args->positional.erase(args->positional.begin());
  }
  if (sub == "show") {
    if (args->verify_receivers || args->tree) return fail_usage("unknown flag for routes show");
    return routes_show(*args);
  }
  if (args->config_file) return routes_test_labels(*args);
  if (args->verify_receivers || args->tree) return fail_usage("--verify.receivers and --tree need --config.file");
  if (args->positional.empty()) return fail_usage("give --config.file=FILE and labels, or test files");
  return routes_test_files(args->positional);
}

}  // namespace tocsin::app
