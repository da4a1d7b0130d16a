// yaml_out.cpp: the yaml.v2-compatible emitter behind to_yaml. Implements the subset of libyaml's
// scalar analysis and style selection that configuration values need.
#include "config/yaml_out.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace tocsin::config::yaml_out {
namespace {

constexpr int kBestWidth = 80;

enum class Style { kPlain, kSingle, kDouble, kLiteral };

struct Analysis {
  bool multiline = false;
  bool flow_plain_allowed = true;
  bool block_plain_allowed = true;
  bool single_allowed = true;
};

bool is_space_or_end(const std::string& s, size_t i) { return i >= s.size() || s[i] == ' ' || s[i] == '\n'; }

unsigned char byte_at(const std::string& s, size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0; }

// yaml.v2's is_printable on the rune starting at s[i]: LF, printable ASCII and the printable parts of
// the BMP. Tab, other controls, C1 controls, surrogates, U+FEFF, U+FFFE/U+FFFF and every rune beyond
// the BMP are not, so a value holding one is written double-quoted with it escaped.
bool is_printable(const std::string& s, size_t i) {
  const unsigned char b = byte_at(s, i), b1 = byte_at(s, i + 1), b2 = byte_at(s, i + 2);
  return b == 0x0A || (b >= 0x20 && b <= 0x7E) || (b == 0xC2 && b1 >= 0xA0) || (b > 0xC2 && b < 0xED) ||
         (b == 0xED && b1 < 0xA0) || b == 0xEE ||
         (b == 0xEF && !(b1 == 0xBB && b2 == 0xBF) && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)));
}

// The length of the UTF-8 sequence that starts with `lead` (yaml.v2's width; 1 for a stray byte).
size_t rune_width(unsigned char lead) {
  if ((lead & 0x80) == 0) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

Analysis analyze(const std::string& s) {
  Analysis a;
  if (s.empty()) {
    a.flow_plain_allowed = a.block_plain_allowed = false;
    return a;
  }
  if (s.rfind("---", 0) == 0 || s.rfind("...", 0) == 0) {
    a.flow_plain_allowed = a.block_plain_allowed = false;
  }
  bool flow_ind = false, block_ind = false, special = false, line_breaks = false;
  bool leading_space = s.front() == ' ', trailing_space = s.back() == ' ';
  bool leading_break = s.front() == '\n', trailing_break = s.back() == '\n';
  bool prev_space = true;  // start of scalar counts as preceded by whitespace for '#'
  for (size_t i = 0; i < s.size(); i += rune_width(static_cast<unsigned char>(s[i]))) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (i == 0) {
      switch (c) {
        case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*': case '!':
        case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
          flow_ind = block_ind = true;
          break;
        case '?': case ':':
          flow_ind = true;
          if (is_space_or_end(s, i + 1)) block_ind = true;
          break;
        case '-':
          if (is_space_or_end(s, i + 1)) flow_ind = block_ind = true;
          break;
        default: break;
      }
    } else {
      switch (c) {
        case ',': case '?': case '[': case ']': case '{': case '}':
          flow_ind = true;
          break;
        case ':':
          flow_ind = true;
          if (is_space_or_end(s, i + 1)) block_ind = true;
          break;
        case '#':
          if (prev_space) flow_ind = block_ind = true;
          break;
        default: break;
      }
    }
    if (c == '\n') line_breaks = true;
    if (!is_printable(s, i)) special = true;
    prev_space = (c == ' ' || c == '\n');
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break) {
    a.flow_plain_allowed = a.block_plain_allowed = false;
  }
  if (line_breaks) a.flow_plain_allowed = a.block_plain_allowed = false;
  if (flow_ind) a.flow_plain_allowed = false;
  if (block_ind) a.block_plain_allowed = false;
  if (special) {
    a.flow_plain_allowed = a.block_plain_allowed = a.single_allowed = false;
  }
  return a;
}

Style choose_style(const std::string& s, bool flow, bool simple_key) {
  Style want = Style::kPlain;
  if (s.find('\n') != std::string::npos) {
    want = Style::kLiteral;
  } else if (resolves_to_non_string(s)) {
    want = Style::kDouble;
  }
  Analysis a = analyze(s);
  if (want == Style::kPlain) {
    bool ok = flow ? a.flow_plain_allowed : a.block_plain_allowed;
    if (simple_key && a.multiline) ok = false;
    if (!ok) want = Style::kSingle;
  }
  if (want == Style::kSingle) {
    if (!a.single_allowed || (simple_key && a.multiline)) want = Style::kDouble;
  }
  if (want == Style::kLiteral) {
    if (flow || simple_key || !a.single_allowed) want = Style::kDouble;
  }
  return want;
}

class Writer {
 public:
  std::string out;
  // yaml.v2's encoder keeps one "flow" flag: a field tagged ",flow" sets it, and the next mapping or
  // sequence it starts takes it (flow style) and clears it. A flow-tagged scalar (a time interval's
  // location) leaves it set, so the next item of a list -- the next time interval, or the next named
  // interval -- comes out in flow style. Each field sets it to its own tag (Node::flow of the value)
  // before its value is written, which is what stops it at the next field.
  bool pending_flow = false;

  bool take_flow() {
    const bool f = pending_flow;
    pending_flow = false;
    return f;
  }

  // The emitter's column counts runes, not bytes, so long non-ASCII values fold where yaml.v2 folds them.
  int column() const {
    const size_t nl = out.rfind('\n');
    int col = 0;
    for (size_t i = nl == std::string::npos ? 0 : nl + 1; i < out.size(); ++i) {
      if ((static_cast<unsigned char>(out[i]) & 0xC0) != 0x80) ++col;
    }
    return col;
  }
  void indent_to(int n) { out.append(static_cast<size_t>(n), ' '); }

  // Writes a string scalar in the chosen style; `indent` is where continuation lines start.
  void scalar(const std::string& s, int indent, bool flow, bool simple_key) {
    Style st = choose_style(s, flow, simple_key);
    bool breaks = !simple_key;
    switch (st) {
      case Style::kPlain: write_folded(s, indent, breaks, false); break;
      case Style::kSingle: write_single(s, indent, breaks); break;
      case Style::kDouble: write_double(s, indent, breaks); break;
      case Style::kLiteral: write_literal(s, indent); break;
    }
  }

 private:
  void newline_indent(int indent) {
    out.push_back('\n');
    indent_to(indent);
  }

  // Plain text with folding at spaces past the best width (libyaml's write_plain).
  void write_folded(const std::string& s, int indent, bool breaks, bool quoted_edges) {
    bool prev_space = false;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == ' ') {
        bool edge_ok = !quoted_edges || (i != 0 && i + 1 != s.size());
        if (breaks && !prev_space && column() > kBestWidth && edge_ok && i + 1 < s.size() && s[i + 1] != ' ') {
          newline_indent(indent);
        } else {
          out.push_back(c);
        }
        prev_space = true;
      } else {
        out.push_back(c);
        prev_space = false;
      }
    }
  }

  void write_single(const std::string& s, int indent, bool breaks) {
    out.push_back('\'');
    bool prev_space = false;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == ' ') {
        if (breaks && !prev_space && column() > kBestWidth && i != 0 && i + 1 != s.size() && s[i + 1] != ' ') {
          newline_indent(indent);
        } else {
          out.push_back(c);
        }
        prev_space = true;
        continue;
      }
      prev_space = false;
      if (c == '\'') out.push_back('\'');
      out.push_back(c);
    }
    out.push_back('\'');
  }

  void write_double(const std::string& s, int indent, bool breaks) {
    out.push_back('"');
    // yaml.v2 checks for a byte order mark at the start of the value at every position, so a value
    // that starts with one has every rune escaped.
    const bool bom = s.size() >= 3 && byte_at(s, 0) == 0xEF && byte_at(s, 1) == 0xBB && byte_at(s, 2) == 0xBF;
    bool prev_space = false;
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      const size_t w = std::min(rune_width(c), s.size() - i);
      const bool line_break = c == '\r' || c == '\n' || (c == 0xC2 && byte_at(s, i + 1) == 0x85) ||
                              (c == 0xE2 && byte_at(s, i + 1) == 0x80 &&
                               (byte_at(s, i + 2) == 0xA8 || byte_at(s, i + 2) == 0xA9));
      if (!is_printable(s, i) || bom || line_break || c == '"' || c == '\\') {
        write_escape(decode_rune(s, i, w));
        i += w;
        prev_space = false;
        continue;
      }
      if (c == ' ') {
        if (breaks && !prev_space && column() > kBestWidth && i != 0 && i + 1 != s.size()) {
          newline_indent(indent);
          if (s[i + 1] == ' ') out.push_back('\\');
        } else {
          out.push_back(' ');
        }
        prev_space = true;
        ++i;
        continue;
      }
      out.append(s, i, w);
      i += w;
      prev_space = false;
    }
    out.push_back('"');
  }

  static uint32_t decode_rune(const std::string& s, size_t i, size_t w) {
    const auto lead = static_cast<unsigned char>(s[i]);
    uint32_t v = w == 1 ? (lead & 0x7F) : w == 2 ? (lead & 0x1F) : w == 3 ? (lead & 0x0F) : (lead & 0x07);
    for (size_t k = 1; k < w; ++k) {
      v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    return v;
  }

  // yaml.v2's escapes: the short ones, else \xXX, \uXXXX or \UXXXXXXXX (upper-case hex digits).
  void write_escape(uint32_t v) {
    out.push_back('\\');
    switch (v) {
      case 0x00: out.push_back('0'); return;
      case 0x07: out.push_back('a'); return;
      case 0x08: out.push_back('b'); return;
      case 0x09: out.push_back('t'); return;
      case 0x0A: out.push_back('n'); return;
      case 0x0B: out.push_back('v'); return;
      case 0x0C: out.push_back('f'); return;
      case 0x0D: out.push_back('r'); return;
      case 0x1B: out.push_back('e'); return;
      case 0x22: out.push_back('"'); return;
      case 0x5C: out.push_back('\\'); return;
      case 0x85: out.push_back('N'); return;
      case 0xA0: out.push_back('_'); return;
      case 0x2028: out.push_back('L'); return;
      case 0x2029: out.push_back('P'); return;
      default: break;
    }
    char buf[16];
    if (v <= 0xFF) {
      std::snprintf(buf, sizeof buf, "x%02X", static_cast<unsigned>(v));
    } else if (v <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "u%04X", static_cast<unsigned>(v));
    } else {
      std::snprintf(buf, sizeof buf, "U%08X", static_cast<unsigned>(v));
    }
    out += buf;
  }

  void write_literal(const std::string& s, int indent) {
    out.push_back('|');
    if (!s.empty() && s.front() == ' ') out += std::to_string(2);
    size_t trailing = 0;
    for (size_t i = s.size(); i > 0 && s[i - 1] == '\n'; --i) ++trailing;
    if (trailing == 0) {
      out.push_back('-');
    } else if (trailing > 1) {
      out.push_back('+');
    }
    std::string body = s.substr(0, s.size() - (trailing > 0 ? 1 : 0));
    size_t start = 0;
    while (true) {
      size_t nl = body.find('\n', start);
      std::string line = body.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      out.push_back('\n');
      if (!line.empty()) {
        indent_to(indent);
        out += line;
      }
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
};

void emit_node_after_key(Writer& w, const Node& v, int indent);
void emit_map(Writer& w, const Node& m, int indent, bool first_inline);
void emit_seq(Writer& w, const Node& s, int indent);
void emit_flow(Writer& w, const Node& n, int indent, bool& whitespace);

// A scalar in flow context; `whitespace`: the last thing written was a space, an indentation or an
// opening bracket (libyaml's emitter.whitespace), else a space goes first.
void emit_flow_scalar(Writer& w, const Node& v, int indent, bool& whitespace, bool simple_key) {
  if (!whitespace) w.out.push_back(' ');
  switch (v.kind) {
    case Node::Kind::kNull: w.out += "null"; break;
    case Node::Kind::kRaw: w.out += v.text; break;
    default: w.scalar(v.text, indent, true, simple_key); break;
  }
  whitespace = false;
}

void emit_flow_value(Writer& w, const Node& v, int indent, bool& whitespace) {
  if (v.kind == Node::Kind::kMap || v.kind == Node::Kind::kSeq) {
    w.take_flow();  // already in flow context: the collection takes the flag all the same
    emit_flow(w, v, indent, whitespace);
  } else {
    emit_flow_scalar(w, v, indent, whitespace, false);
  }
}

// "[a, b]" or "{k: v, ...}" as libyaml writes them: `indent` is the enclosing indentation, the
// contents' is two more; before an item or key past column 80 the line breaks to that indentation.
void emit_flow(Writer& w, const Node& n, int indent, bool& whitespace) {
  const bool is_map = n.kind == Node::Kind::kMap;
  if (!whitespace) w.out.push_back(' ');
  w.out.push_back(is_map ? '{' : '[');
  whitespace = true;
  const int inner = indent + 2;
  const size_t count = is_map ? n.map.size() : n.seq.size();
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) {
      w.out.push_back(',');
      whitespace = false;
    }
    if (w.column() > kBestWidth) {
      w.out.push_back('\n');
      w.indent_to(inner);
      whitespace = true;
    }
    if (!is_map) {
      emit_flow_value(w, n.seq[i], inner, whitespace);
      continue;
    }
    const auto& [key, value] = n.map[i];
    emit_flow_scalar(w, Node::str(key), inner, whitespace, true);
    w.out.push_back(':');
    whitespace = false;
    w.pending_flow = value.flow;
    emit_flow_value(w, value, inner, whitespace);
  }
  w.out.push_back(is_map ? '}' : ']');
  whitespace = false;
}

void emit_flow_item(Writer& w, const Node& v, int indent) {
  bool whitespace = true;
  emit_flow_value(w, v, indent, whitespace);
}

// Writes ": value" (or ":\n ...") after a key already written at `indent`.
void emit_node_after_key(Writer& w, const Node& v, int indent) {
  switch (v.kind) {
    case Node::Kind::kNull: w.out += ": null\n"; return;
    case Node::Kind::kRaw: w.out += ": " + v.text + "\n"; return;
    case Node::Kind::kString:
      w.out += ": ";
      w.scalar(v.text, indent + 2, false, false);
      w.out += "\n";
      return;
    case Node::Kind::kMap:
    case Node::Kind::kSeq: {
      const bool flow = w.take_flow();
      const bool empty = v.kind == Node::Kind::kMap ? v.map.empty() : v.seq.empty();
      if (flow || empty) {
        w.out.push_back(':');
        bool whitespace = false;
        emit_flow(w, v, indent, whitespace);
        w.out.push_back('\n');
      } else if (v.kind == Node::Kind::kMap) {
        w.out += ":\n";
        emit_map(w, v, indent + 2, false);
      } else {
        w.out += ":\n";
        emit_seq(w, v, indent);  // yaml.v2 writes sequences in mappings without extra indentation
      }
      return;
    }
  }
}

void emit_map(Writer& w, const Node& m, int indent, bool first_inline) {
  bool first = true;
  for (const auto& [k, v] : m.map) {
    if (!(first && first_inline)) w.indent_to(indent);
    first = false;
    w.scalar(k, indent, false, true);
    w.pending_flow = v.flow;
    emit_node_after_key(w, v, indent);
  }
}

void emit_seq(Writer& w, const Node& s, int indent) {
  for (const auto& item : s.seq) {
    w.indent_to(indent);
    w.out += "- ";
    switch (item.kind) {
      case Node::Kind::kNull: w.out += "null\n"; break;
      case Node::Kind::kRaw: w.out += item.text + "\n"; break;
      case Node::Kind::kString:
        w.scalar(item.text, indent + 2, false, false);
        w.out += "\n";
        break;
      case Node::Kind::kMap:
      case Node::Kind::kSeq:
        if (w.take_flow() || (item.kind == Node::Kind::kMap ? item.map.empty() : item.seq.empty())) {
          bool whitespace = true;  // after "- "
          emit_flow(w, item, indent, whitespace);
          w.out.push_back('\n');
        } else if (item.kind == Node::Kind::kMap) {
          emit_map(w, item, indent + 2, true);
        } else {
          // "- - a": the nested sequence starts on the same line.
          Writer inner;
          emit_seq(inner, item, indent + 2);
          std::string text = inner.out;
          text.erase(0, static_cast<size_t>(indent + 2));
          w.out += text;
          w.pending_flow = inner.pending_flow;
        }
        break;
    }
  }
}

}  // namespace

bool resolves_to_non_string(const std::string& s) {
  static const char* const kWords[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                                       "true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
                                       "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", ".nan",
                                       ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                       "-.inf", "-.Inf", "-.INF", "<<"};
  for (const char* w : kWords) {
    if (s == w) return true;
  }
  if (s.empty()) return false;
  static const RE2 kInt(R"([-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*))");
  static const RE2 kFloat(R"([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?)");
  static const RE2 kBase60(R"([-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)");
  static const RE2 kTimestamp(R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)");
  return RE2::FullMatch(s, kInt) || RE2::FullMatch(s, kFloat) || RE2::FullMatch(s, kBase60) ||
         RE2::FullMatch(s, kTimestamp);
}

std::string emit(const Node& root) {
  Writer w;
  if (root.kind == Node::Kind::kMap) {
    if (root.map.empty()) return "{}\n";
    emit_map(w, root, 0, false);
  } else if (root.kind == Node::Kind::kSeq) {
    emit_seq(w, root, 0);
  } else {
    emit_flow_item(w, root, 0);
    w.out += "\n";
  }
  return w.out;
}

}  // namespace tocsin::config::yaml_out
