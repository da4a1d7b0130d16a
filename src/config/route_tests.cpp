// route_tests.cpp: reads routes/*.tests.yml into RouteTestFile (see route_tests.hpp for the format).
// Small and strict on purpose: a typo in a test file should fail loudly rather than pass a case that
// checks nothing.
#include "config/route_tests.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <stdexcept>

namespace tocsin::config {

namespace {

// Thrown inside this file only; load_route_tests turns it into an Error.
struct TestFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& n, const std::string& path, const std::string& reason) const {
    std::string where = file_;
    if (n.IsDefined() && n.Mark().line >= 0) where += ":" + std::to_string(n.Mark().line + 1);
    throw TestFileError(where + ": " + (path.empty() ? "" : path + ": ") + reason);
  }

  void only_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string k = scalar(it->first, path);
      if (!allowed.count(k)) fail(it->first, join(path, k), "unknown field");
    }
  }

  std::string scalar(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar()) fail(n, path, "expected a string");
    return n.Scalar();
  }

  std::vector<std::string> string_list(const YAML::Node& n, const std::string& path) const {
    std::vector<std::string> out;
    if (n.IsNull()) return out;
    if (!n.IsSequence()) fail(n, path, "expected a list of strings");
    for (size_t i = 0; i < n.size(); ++i) out.push_back(scalar(n[i], path + "[" + std::to_string(i) + "]"));
    return out;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::string file_;
};

RouteTestCase read_case(const Reader& r, const YAML::Node& n, const std::string& path) {
  if (!n.IsMap()) r.fail(n, path, "expected a map with labels and receivers");
  r.only_keys(n, path, {"name", "labels", "receivers", "at", "muted"});
  RouteTestCase c;
  c.line = n.Mark().line + 1;
  if (n["name"]) c.name = r.scalar(n["name"], path + ".name");

  const YAML::Node labels = n["labels"];
  if (!labels) r.fail(n, path, "missing field labels");
  if (!labels.IsMap() && !labels.IsNull()) r.fail(labels, path + ".labels", "expected a map of label names to values");
  std::vector<LabelSet::Pair> pairs;
  std::set<std::string> seen;
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    const std::string k = r.scalar(it->first, path + ".labels");
    const std::string lpath = path + ".labels." + k;
    if (!seen.insert(k).second) r.fail(it->first, lpath, "label set twice");
    if (!is_valid_label_name(k)) r.fail(it->first, lpath, "invalid label name");
    pairs.emplace_back(k, r.scalar(it->second, lpath));
  }
  c.labels = LabelSet(std::move(pairs));

  const YAML::Node receivers = n["receivers"];
  if (!receivers) r.fail(n, path, "missing field receivers");
  c.receivers = r.string_list(receivers, path + ".receivers");

  if (const YAML::Node at = n["at"]) {
    auto t = parse_rfc3339(r.scalar(at, path + ".at"));
    if (!t) r.fail(at, path + ".at", t.error());
    c.at = *t;
  }
  if (const YAML::Node muted = n["muted"]) {
    if (!c.at) r.fail(muted, path + ".muted", "needs `at`, the instant at which routes are muted");
    c.muted = r.string_list(muted, path + ".muted");
  }
  return c;
}

}  // namespace

Result<RouteTestFile> load_route_tests(const std::string& path) {
  try {
    Reader r(path);
    YAML::Node doc;
    try {
      doc = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
      return make_error(path + ": cannot read the file");
    } catch (const YAML::Exception& e) {
      return make_error(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!doc.IsMap()) r.fail(doc, "", "expected a map with config and tests");
    r.only_keys(doc, "", {"config", "tests"});

    RouteTestFile f;
    f.path = path;
    const YAML::Node cfg = doc["config"];
    if (!cfg) r.fail(doc, "", "missing field config (the alertmanager.yml under test)");
    const std::filesystem::path cp = r.scalar(cfg, "config");
    f.config_path = cp.is_absolute() ? cp.string() : (std::filesystem::path(path).parent_path() / cp).string();

    const YAML::Node tests = doc["tests"];
    if (!tests || !tests.IsSequence() || tests.size() == 0) {
      r.fail(tests ? tests : doc, "tests", "expected a non-empty list of cases");
    }
    for (size_t i = 0; i < tests.size(); ++i) {
      f.tests.push_back(read_case(r, tests[i], "tests[" + std::to_string(i) + "]"));
    }
    return f;
  } catch (const TestFileError& e) {
    return make_error(e.what());
  } catch (const YAML::Exception& e) {
    return make_error(path + ": " + e.what());
  }
}

}  // namespace tocsin::config
