// request_log.cpp: see request_log.hpp. Which answer gets which line, at which level, as the
// reference's API v2 handlers log them (api/v2/api.go): a refused POST of alerts or silences, a
// filter or receiver regex that does not parse, a silence that is not there.
#include "api/request_log.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/log.hpp"
#include "core/time.hpp"

namespace tocsin::api {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The answer's error text: the reference answers a handler's refusal with a JSON string. Anything
// else (an object: a body that did not decode, which the reference refuses before its handler and
// does not log) gives nothing.
std::optional<std::string> error_text(const net::HttpResponse& resp) {
  auto j = nlohmann::json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_string()) return std::nullopt;
  return j.get<std::string>();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A query parameter, decoded as Go's url.ParseQuery decodes it; nullopt when absent.
std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::string out;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') {
        out += ' ';
      } else if (raw[i] == '%' && i + 2 < raw.size() && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
        out += static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2]));
        i += 2;
      } else {
        out += raw[i];
      }
    }
    return out;
  }
  return std::nullopt;
}

// A time of the posted silence as the reference logs it (RFC 3339 with nanoseconds); the text as
// sent when it does not parse.
std::string silence_time(const std::string& body, const char* key) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  const auto text = j[key].get<std::string>();
  auto t = parse_rfc3339(text);
  return t ? format_rfc3339_nano(*t) : text;
}

void log_line(log::Level level, const net::HttpRequest& req, std::initializer_list<log::Field> rest) {
  if (!log::enabled(level)) return;
  // component, version, path and method first, as the reference's request logger adds them.
  std::vector<log::Field> fields{{"component", "api"}, {"version", "v2"}, {"path", req.path}, {"method", req.method}};
  fields.insert(fields.end(), rest.begin(), rest.end());
  log::write(level, TOCSIN_CALLER, fields);
}

void log_answer(const net::HttpRequest& req, std::string_view route, const net::HttpResponse& resp) {
  using log::Level;
  const std::string& m = req.method;
  if (route == "/api/v2/alerts" && m == "POST") {
    const auto err = error_text(resp);
    if (!err) return;
    if (resp.status == 400) {
      log_line(Level::kError, req, {{"msg", "Failed to validate alerts"}, {"err", *err}});
    } else if (resp.status == 500) {
      log_line(Level::kError, req, {{"msg", "Failed to create alerts"}, {"err", *err}});
    }
    return;
  }
  if ((route == "/api/v2/alerts" || route == "/api/v2/alerts/groups") && m == "GET" && resp.status == 400) {
    const auto err = error_text(resp);
    if (!err) return;
    // The filter is parsed first; a receiver regex that does not compile names its anchored form.
    const auto receiver = query_param(req.query, "receiver");
    if (receiver && err->find("`^(?:" + *receiver + ")$`") != std::string::npos) {
      // The answer wraps the regexp's error; the line has it bare. The reference logs this one at
      // debug for alerts and at error for groups.
      static constexpr std::string_view kWrap = "failed to parse receiver param: ";
      const std::string bare = starts_with(*err, kWrap) ? err->substr(kWrap.size()) : *err;
      log_line(route == "/api/v2/alerts" ? Level::kDebug : Level::kError, req,
               {{"msg", "Failed to compile receiver regex"}, {"err", bare}});
    } else {
      log_line(Level::kDebug, req, {{"msg", "Failed to parse matchers"}, {"err", *err}});
    }
    return;
  }
  if (route == "/api/v2/silences" && m == "GET" && resp.status == 400) {
    if (const auto err = error_text(resp)) {
      log_line(Level::kDebug, req, {{"msg", "Failed to parse matchers"}, {"err", *err}});
    }
    return;
  }
  if (route == "/api/v2/silences" && m == "POST" && (resp.status == 400 || resp.status == 404)) {
    const auto err = error_text(resp);
    if (!err) return;
    static constexpr std::string_view kConvert = "failed to convert API silence to internal silence: ";
    if (*err == "Failed to create silence: start time must be before end time") {
      log_line(Level::kError, req,
               {{"msg", *err},
                {"starts_at", silence_time(req.body, "startsAt")},
                {"ends_at", silence_time(req.body, "endsAt")}});
    } else if (*err == "Failed to create silence: end time can't be in the past") {
      log_line(Level::kError, req, {{"msg", *err}, {"ends_at", silence_time(req.body, "endsAt")}});
    } else if (starts_with(*err, kConvert)) {
      log_line(Level::kError, req,
               {{"msg", "Failed to marshal silence to proto"}, {"err", err->substr(kConvert.size())}});
    } else {
      log_line(Level::kError, req, {{"msg", "Failed to create silence"}, {"err", *err}});
    }
    return;
  }
  if (starts_with(route, "/api/v2/silence/")) {
    const std::string id(route.substr(16));
    if (m == "GET" && resp.status == 404) {
      // The reference logs its nil error: err=null.
      log::Field null_err{"err", "null"};
      null_err.kind = log::Field::Kind::kNumber;  // written bare in both formats, as Go's nil
      log_line(Level::kError, req, {{"msg", "Failed to find silence"}, null_err, {"id", id}});
    } else if (m == "GET" && resp.status == 500) {
      if (const auto err = error_text(resp)) {
        log_line(Level::kError, req, {{"msg", "Failed to get silence by id"}, {"err", *err}, {"id", id}});
      }
    } else if (m == "DELETE" && resp.status == 500) {
      if (const auto err = error_text(resp)) {
        log_line(Level::kError, req, {{"msg", "Failed to expire silence"}, {"err", *err}});
      }
    }
  }
}

}  // namespace

net::HttpHandler with_request_log(net::HttpHandler inner, std::string route_prefix) {
  while (!route_prefix.empty() && route_prefix.back() == '/') route_prefix.pop_back();
  return [inner = std::move(inner), prefix = std::move(route_prefix)](const net::HttpRequest& req) {
    if (req.path.size() <= prefix.size() || !starts_with(req.path, prefix)) return inner(req);
    const size_t skip = prefix.size();
    if (req.defer) {
      // A deferred answer (a silence waiting for its commit) is logged when it is sent: the handler
      // sees a wrapped defer, which keeps what the line needs of the request.
      req.defer = [defer = std::move(req.defer), &req, skip] {
        net::Responder r = defer();
        auto copy = std::make_shared<net::HttpRequest>();
        copy->method = req.method;
        copy->path = req.path;
        copy->query = req.query;
        copy->body = req.body;
        r.send = [send = std::move(r.send), copy, skip](net::HttpResponse res) {
          if (res.status >= 400 && log::enabled(log::Level::kError)) {
            log_answer(*copy, std::string_view(copy->path).substr(skip), res);
          }
          send(std::move(res));
        };
        return r;
      };
    }
    net::HttpResponse resp = inner(req);
    if (!resp.deferred && resp.status >= 400 && log::enabled(log::Level::kError)) {
      log_answer(req, std::string_view(req.path).substr(skip), resp);
    }
    return resp;
  };
}

}  // namespace tocsin::api
