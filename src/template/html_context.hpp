// html_context.hpp: html/template's contextual autoescaping for HTML output (email bodies, `amtool
// template render --template.type=html`). The HTML state around each action (text, a tag, an attribute
// value by its type and quoting, script, style, title/textarea, a comment) is tracked through the
// template's literal text as it executes, and each action's value goes through the escapers Go's
// html/template would insert there. Trade-off: the state follows the executed text, not every branch
// of the template, so a template whose branches end in different contexts (an error in Go) renders.
#pragma once

#include <string>
#include <string_view>

#include "template/value.hpp"

namespace tocsin::tmpl {

class HtmlContext {
 public:
  // Literal template text: returns what to write (comments dropped, a '<' that opens no tag escaped).
  std::string text(std::string_view s);
  // The predefined escaper an action's pipeline ends with, which html/template merges with its own.
  enum class Predefined { None, Html, UrlQuery };
  // An action's value, escaped for the current context.
  std::string escape(const Value& v, Predefined predefined = Predefined::None);
  // Inside a comment, where actions print nothing.
  bool in_comment() const { return state_ == State::Comment; }
  // Back in text, where html/template requires a template to end.
  bool at_text() const { return state_ == State::Text; }
  // Inside a JS template literal (`...`), where html/template refuses an action.
  bool in_js_template() const { return js_ == JsString::Backtick; }
  // The context as Go prints it in "ends in a non-text context: {stateURL delimDoubleQuote ...}".
  std::string go_context() const;

 private:
  enum class State { Text, Tag, AttrName, AfterName, BeforeValue, Attr, Script, Style, RCData, Comment };
  enum class Delim { None, Double, Single, Space };
  enum class AttrType { Plain, Url, Js, Css, ScriptType };
  enum class Element { None, Script, Style, RCData };
  enum class UrlPart { None, PreQuery, QueryOrFrag };
  enum class JsString { None, Double, Single, Backtick };
  enum class Comment { None, Line, Block };  // a JS or CSS comment inside <script> or <style>

  // Advances through s from i in the current state; appends what is written to out.
  size_t step(std::string_view s, size_t i, std::string& out);
  size_t step_text(std::string_view s, size_t i, std::string& out);
  size_t step_tag(std::string_view s, size_t i, std::string& out);
  size_t step_attr_value(std::string_view s, size_t i, std::string& out);
  size_t step_element(std::string_view s, size_t i, std::string& out);
  void enter_content();

  State state_ = State::Text;
  Delim delim_ = Delim::None;
  AttrType attr_ = AttrType::Plain;
  Element element_ = Element::None;
  UrlPart url_ = UrlPart::None;
  JsString js_ = JsString::None;
  Comment comment_ = Comment::None;
  std::string script_type_;  // the value of a <script type=...> attribute so far
  bool title_ = false;       // the RCDATA element is <title> (else <textarea>)
};

}  // namespace tocsin::tmpl
