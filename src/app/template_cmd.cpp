// template_cmd.cpp: renders one template text against the default templates, the user's template files
// and a notification's data, printing exactly what `amtool template render` (0.25) prints so the two
// can be diffed on any template. Without --template.data the data is amtool's example notification.
#include "app/template_cmd.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "template/data.hpp"
#include "template/template.hpp"

namespace tocsin::app {

namespace {

constexpr const char* kUsage =
    "usage: tocsin template render --template.glob=GLOB... --template.text=TEXT [--template.type=text|html]\n"
    "                              [--template.data=FILE]\n"
    "\n"
    "Renders TEXT against the default templates and the files the globs match, with the notification\n"
    "data of FILE (JSON in the webhook payload's shape) or, without it, amtool's example notification.\n";

// A template data file is a notification, a few kilobytes; anything much larger is a mistake.
constexpr std::streamsize kMaxDataBytes = 64 << 20;

int fail(const std::string& msg) {
  std::fprintf(stderr, "tocsin: error: %s\n", msg.c_str());
  return 1;
}

struct RenderArgs {
  std::vector<std::string> globs;
  std::optional<std::string> text;
  std::string type = "text";
  std::optional<std::string> data_file;
};

// Parses the flags as kingpin does: "--name=value" or "--name value"; --template.glob repeats.
// Returns an error message, or "" when parsed.
std::string parse_render_args(int argc, char** argv, int first, RenderArgs& out, bool& help) {
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      help = true;
      return "";
    }
    if (arg.substr(0, 2) != "--") return "unexpected " + std::string(arg);
    std::string name(arg.substr(2));
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const bool known = name == "template.glob" || name == "template.text" || name == "template.type" ||
                       name == "template.data";
    if (!known) return "unknown long flag '--" + name + "'";
    if (!value) {
      if (i + 1 >= argc) return "expected argument for flag '--" + name + "'";
      value = argv[++i];
    }
    if (name == "template.glob") {
      out.globs.push_back(*value);
    } else if (name == "template.text") {
      out.text = *value;
    } else if (name == "template.type") {
      if (*value != "text" && *value != "html") return "enum value must be one of html,text, got '" + *value + "'";
      out.type = *value;
    } else {
      out.data_file = *value;
    }
  }
  if (out.globs.empty()) return "required flag --template.glob not provided";
  if (!out.text) return "required flag --template.text not provided";
  return "";
}

Result<tmpl::NotificationData> read_data(const std::optional<std::string>& path) {
  if (!path) {
    SystemClock clock;
    return tmpl::example_data(clock.now());
  }
  std::ifstream in(*path, std::ios::binary);
  if (!in) return make_error("open " + *path + ": no such file or directory");
  // Read in pieces: a buffer of the whole limit would be zero-filled (64 MiB of page faults) for a
  // file of a few kilobytes.
  std::string content;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    content.append(chunk, static_cast<size_t>(in.gcount()));
    if (content.size() > static_cast<size_t>(kMaxDataBytes)) return make_error(*path + ": larger than 64 MiB");
  }
  return tmpl::data_from_json(content);
}

int render(const RenderArgs& args) {
  auto set = tmpl::Templates::with_defaults();
  if (!set.ok()) return fail(set.error());
  for (const auto& glob : args.globs) {
    if (auto r = set->add_glob(glob); !r.ok()) return fail(r.error());
  }
  auto data = read_data(args.data_file);
  if (!data.ok()) return fail(data.error());
  const tmpl::Value value = tmpl::make_data(*data);
  auto out = args.type == "html" ? set->execute_html(*args.text, value) : set->execute_text(*args.text, value);
  if (!out.ok()) return fail(out.error());
  // As amtool: the rendering as is, with no newline added.
  std::cout << *out << std::flush;
  return 0;
}

}  // namespace

int template_command(int argc, char** argv) {
  if (argc < 3 || std::string_view(argv[2]) == "--help" || std::string_view(argv[2]) == "-h") {
    std::fputs(kUsage, stdout);
    return argc < 3 ? 1 : 0;
  }
  if (std::string_view(argv[2]) != "render") {
    std::fprintf(stderr, "tocsin: error: unknown command \"template %s\"\n%s", argv[2], kUsage);
    return 1;
  }
  RenderArgs args;
  bool help = false;
  if (auto err = parse_render_args(argc, argv, 3, args, help); !err.empty()) {
    std::fprintf(stderr, "tocsin: error: %s\n%s", err.c_str(), kUsage);
    return 1;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  return render(args);
}

}  // namespace tocsin::app
