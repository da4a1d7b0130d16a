// zone.cpp: the TZif reader, the POSIX TZ footer rules and the zone cache behind timeinterval's
// location conversion. libstdc++ 12 has no std::chrono tz database and TZ/localtime is not
// thread-safe, so we read /usr/share/zoneinfo ourselves.
#include "timeinterval/zone.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/log.hpp"

namespace tocsin::timeinterval {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
// Real TZif files are a few KiB; anything this large is not one.
constexpr std::size_t kMaxTzifBytes = 1 << 20;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t days_from_civil(int year, int month, int day) {
  namespace c = std::chrono;
  c::sys_days d{c::year{year} / c::month{static_cast<unsigned>(month)} / c::day{static_cast<unsigned>(day)}};
  return d.time_since_epoch().count();
}

bool is_leap(int year) { return std::chrono::year{year}.is_leap(); }

// ---- POSIX TZ strings ----

class PosixParser {
 public:
  explicit PosixParser(std::string_view s) : s_(s) {}
  bool done() const { return i_ == s_.size(); }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool eat(char c) {
    if (!peek(c)) return false;
    ++i_;
    return true;
  }
  bool at_offset_start() const {
    return i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9'));
  }

  bool name() {
    if (eat('<')) {
      auto close = s_.find('>', i_);
      if (close == std::string_view::npos || close == i_) return false;
      i_ = close + 1;
      return true;
    }
    std::size_t from = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z'))) ++i_;
    return i_ - from >= 3;
  }

  std::optional<int> number(int max) {
    std::size_t from = i_;
    long v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      v = v * 10 + (s_[i_] - '0');
      if (v > max) return std::nullopt;
      ++i_;
    }
    if (i_ == from) return std::nullopt;
    return static_cast<int>(v);
  }

  // [+-]hh[:mm[:ss]] in seconds, with the sign as written.
  std::optional<int32_t> hms(int max_hours) {
    int sign = 1;
    if (eat('-')) {
      sign = -1;
    } else {
      eat('+');
    }
    auto h = number(max_hours);
    if (!h) return std::nullopt;
    int32_t secs = *h * 3600;
    if (eat(':')) {
      auto m = number(59);
      if (!m) return std::nullopt;
      secs += *m * 60;
      if (eat(':')) {
        auto sec = number(59);
        if (!sec) return std::nullopt;
        secs += *sec;
      }
    }
    return sign * secs;
  }

  std::optional<PosixTz::Rule> rule() {
    PosixTz::Rule r;
    if (eat('J')) {
      auto n = number(365);
      if (!n || *n < 1) return std::nullopt;
      r.kind = PosixTz::Rule::Kind::kJulian1;
      r.day = *n;
    } else if (eat('M')) {
      auto m = number(12);
      if (!m || *m < 1 || !eat('.')) return std::nullopt;
      auto w = number(5);
      if (!w || *w < 1 || !eat('.')) return std::nullopt;
      auto d = number(6);
      if (!d) return std::nullopt;
      r.kind = PosixTz::Rule::Kind::kMonthWeekDay;
      r.month = *m;
      r.week = *w;
      r.day = *d;
    } else {
      auto n = number(365);
      if (!n) return std::nullopt;
      r.kind = PosixTz::Rule::Kind::kJulian0;
      r.day = *n;
    }
    if (eat('/')) {
      auto t = hms(167);
      if (!t) return std::nullopt;
      r.time = *t;
    }
    return r;
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
};

// Day of the year (0-based) on which `r` falls in `year`.
int rule_day_of_year(const PosixTz::Rule& r, int year) {
  switch (r.kind) {
    case PosixTz::Rule::Kind::kJulian1:
      return (is_leap(year) && r.day >= 60) ? r.day : r.day - 1;
    case PosixTz::Rule::Kind::kJulian0:
      return r.day;
    case PosixTz::Rule::Kind::kMonthWeekDay:
      break;
  }
  int64_t first = days_from_civil(year, r.month, 1);
  namespace c = std::chrono;
  int first_weekday = static_cast<int>(c::weekday{c::sys_days{c::days{first}}}.c_encoding());
  int day = 1 + (r.day - first_weekday + 7) % 7 + (r.week - 1) * 7;
  int last = days_in_month(year, r.month);
  while (day > last) day -= 7;
  return static_cast<int>(first - days_from_civil(year, 1, 1)) + day - 1;
}

// ---- TZif ----

class ByteReader {
 public:
  explicit ByteReader(std::string_view b) : b_(b) {}
  bool has(std::size_t n) const { return b_.size() - pos_ >= n; }
  std::size_t pos() const { return pos_; }
  void skip(std::size_t n) { pos_ += n; }
  uint8_t u8() { return static_cast<uint8_t>(b_[pos_++]); }
  uint32_t u32() {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v = (v << 8) | u8();
    return v;
  }
  int64_t i64() {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = (v << 8) | u8();
    return static_cast<int64_t>(v);
  }
  std::string_view rest() const { return b_.substr(pos_); }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
};

struct TzifHeader {
  char version = 0;
  uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
};

bool read_header(ByteReader& r, TzifHeader& h) {
  if (!r.has(44)) return false;
  if (r.u8() != 'T' || r.u8() != 'Z' || r.u8() != 'i' || r.u8() != 'f') return false;
  h.version = static_cast<char>(r.u8());
  r.skip(15);
  h.isutcnt = r.u32();
  h.isstdcnt = r.u32();
  h.leapcnt = r.u32();
  h.timecnt = r.u32();
  h.typecnt = r.u32();
  h.charcnt = r.u32();
  return true;
}

std::size_t data_size(const TzifHeader& h, std::size_t time_size) {
  return std::size_t{h.timecnt} * time_size + h.timecnt + std::size_t{h.typecnt} * 6 + h.charcnt +
         std::size_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(kMaxTzifBytes + 1, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out.size() <= kMaxTzifBytes;
}

bool valid_zone_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.front() == '\\') return false;
  return name.find("..") == std::string::npos;
}

std::shared_ptr<const Zone> utc_zone() {
  static const auto utc = std::make_shared<const Zone>(Zone::fixed("UTC", 0));
  return utc;
}

}  // namespace

// ---- public: POSIX TZ ----

std::optional<PosixTz> parse_posix_tz(std::string_view s) {
  PosixParser p(s);
  PosixTz tz;
  if (!p.name()) return std::nullopt;
  auto std_off = p.hms(24);
  if (!std_off) return std::nullopt;
  tz.std_offset = -*std_off;
  if (p.done()) return tz;
  if (!p.name()) return std::nullopt;
  tz.has_dst = true;
  tz.dst_offset = tz.std_offset + 3600;
  if (p.at_offset_start()) {
    auto dst_off = p.hms(24);
    if (!dst_off) return std::nullopt;
    tz.dst_offset = -*dst_off;
  }
  if (p.done()) {
    // No rule given: the US rules, as Go assumes.
    tz.start = {PosixTz::Rule::Kind::kMonthWeekDay, 0, 2, 3, 7200};
    tz.end = {PosixTz::Rule::Kind::kMonthWeekDay, 0, 1, 11, 7200};
    return tz;
  }
  if (!p.eat(',')) return std::nullopt;
  auto start = p.rule();
  if (!start || !p.eat(',')) return std::nullopt;
  auto end = p.rule();
  if (!end || !p.done()) return std::nullopt;
  tz.start = *start;
  tz.end = *end;
  return tz;
}

int32_t posix_offset_at(const PosixTz& tz, int64_t unix_seconds) {
  if (!tz.has_dst) return tz.std_offset;
  int64_t local_days = floor_div(unix_seconds + tz.std_offset, kSecondsPerDay);
  namespace c = std::chrono;
  int year = static_cast<int>(c::year_month_day{c::sys_days{c::days{local_days}}}.year());
  int64_t jan1 = days_from_civil(year, 1, 1) * kSecondsPerDay;
  // Start is written in standard time, end in daylight time.
  int64_t start = jan1 + int64_t{rule_day_of_year(tz.start, year)} * kSecondsPerDay + tz.start.time - tz.std_offset;
  int64_t end = jan1 + int64_t{rule_day_of_year(tz.end, year)} * kSecondsPerDay + tz.end.time - tz.dst_offset;
  bool dst = start < end ? (unix_seconds >= start && unix_seconds < end) : !(unix_seconds >= end && unix_seconds < start);
  return dst ? tz.dst_offset : tz.std_offset;
}

// ---- public: Zone ----

Result<Zone> Zone::from_tzif(std::string_view bytes, std::string name) {
  if (bytes.size() > kMaxTzifBytes) return make_error(name + ": TZif file too large");
  ByteReader r(bytes);
  TzifHeader h;
  if (!read_header(r, h)) return make_error(name + ": not a TZif file");
  std::size_t time_size = 4;
  if (h.version >= '2') {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    std::size_t v1 = data_size(h, 4);
    if (!r.has(v1)) return make_error(name + ": truncated TZif file");
    r.skip(v1);
    if (!read_header(r, h)) return make_error(name + ": truncated TZif v2+ header");
    time_size = 8;
  }
  if (h.typecnt == 0 || h.typecnt > 256) return make_error(name + ": bad TZif type count");
  if (!r.has(data_size(h, time_size))) return make_error(name + ": truncated TZif file");

  Zone z;
  z.name_ = std::move(name);
  z.transitions_.reserve(h.timecnt);
  for (uint32_t k = 0; k < h.timecnt; ++k) {
    z.transitions_.push_back(time_size == 8 ? r.i64() : static_cast<int64_t>(static_cast<int32_t>(r.u32())));
  }
  for (uint32_t k = 0; k < h.timecnt; ++k) {
    uint8_t t = r.u8();
    if (t >= h.typecnt) return make_error(z.name_ + ": TZif transition type out of range");
    z.type_of_.push_back(t);
  }
  if (!std::is_sorted(z.transitions_.begin(), z.transitions_.end())) {
    return make_error(z.name_ + ": TZif transitions not in order");
  }
  for (uint32_t k = 0; k < h.typecnt; ++k) {
    z.offsets_.push_back(static_cast<int32_t>(r.u32()));
    r.skip(2);  // isdst, abbreviation index: not needed to place an instant on the wall clock
  }
  r.skip(h.charcnt + std::size_t{h.leapcnt} * (time_size + 4) + h.isstdcnt + h.isutcnt);
  if (time_size == 8) {
    std::string_view rest = r.rest();
    if (rest.size() >= 2 && rest.front() == '\n') {
      auto nl = rest.find('\n', 1);
      if (nl != std::string_view::npos && nl > 1) {
        z.footer_ = parse_posix_tz(rest.substr(1, nl - 1));
      }
    }
  }
  return z;
}

Zone Zone::fixed(std::string name, int32_t utc_offset) {
  Zone z;
  z.name_ = std::move(name);
  z.offsets_.push_back(utc_offset);
  return z;
}

int32_t Zone::offset_at(int64_t unix_seconds) const {
  if (transitions_.empty()) {
    if (footer_) return posix_offset_at(*footer_, unix_seconds);
    return offsets_.empty() ? 0 : offsets_.front();
  }
  if (unix_seconds < transitions_.front()) return offsets_.front();
  if (unix_seconds >= transitions_.back() && footer_) return posix_offset_at(*footer_, unix_seconds);
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_seconds);
  std::size_t idx = static_cast<std::size_t>(it - transitions_.begin()) - 1;
  return offsets_[type_of_[idx]];
}

// ---- public: loading and the cache ----

Result<Zone> load_zone_file(const std::string& name) {
  if (!valid_zone_name(name)) return make_error("invalid time zone name " + name);
  std::vector<std::string> dirs;
  if (const char* zi = std::getenv("ZONEINFO"); zi != nullptr && *zi != '\0') dirs.emplace_back(zi);
  dirs.insert(dirs.end(), {"/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ"});
  std::string last_error = "unknown time zone " + name;
  for (const auto& dir : dirs) {
    std::string bytes;
    if (!read_file(dir + "/" + name, bytes)) continue;
    auto z = Zone::from_tzif(bytes, name);
    if (z) return z;
    last_error = z.error();
  }
  return make_error(last_error);
}

std::shared_ptr<const Zone> load_local_zone(const char* tz_env) {
  std::string tz = tz_env == nullptr ? std::string() : std::string(tz_env);
  if (tz_env != nullptr && tz.empty()) return utc_zone();
  if (!tz.empty() && tz.front() == ':') tz.erase(0, 1);
  std::optional<Result<Zone>> z;
  if (tz_env == nullptr || (!tz.empty() && tz.front() == '/')) {
    std::string path = tz_env == nullptr ? "/etc/localtime" : tz;
    std::string bytes;
    if (read_file(path, bytes)) z = Zone::from_tzif(bytes, "Local");
  } else if (!tz.empty() && tz != "UTC") {
    z = load_zone_file(tz);
  }
  if (!z || !z->ok()) return utc_zone();
  Zone local = std::move(**z);
  return std::make_shared<const Zone>(std::move(local));
}

std::shared_ptr<const Zone> find_zone(const std::string& name) {
  if (name.empty() || name == "UTC") return utc_zone();
  if (name == "Local") {
    // Read once: the environment is not expected to change, and getenv is only safe without setenv.
    static const std::shared_ptr<const Zone> local = load_local_zone(std::getenv("TZ"));
    return local;
  }
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Zone>> cache;  // nullptr: known not to load
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  std::shared_ptr<const Zone> zone;
  auto z = load_zone_file(name);
  if (z) {
    zone = std::make_shared<const Zone>(std::move(*z));
  } else {
    LOG_WARN({"component", "timeinterval"}, {"msg", "Cannot load time zone, evaluating in UTC"}, {"err", z.error()});
  }
  cache.emplace(name, zone);
  return zone;
}

// ---- public: civil time ----

CivilTime civil_time(TimePoint t, const Zone* zone) {
  namespace c = std::chrono;
  int64_t secs = c::floor<c::seconds>(t.time_since_epoch()).count();
  CivilTime ct;
  ct.utc_offset = zone == nullptr ? 0 : zone->offset_at(secs);
  int64_t local = secs + ct.utc_offset;
  int64_t days = floor_div(local, kSecondsPerDay);
  int64_t sod = local - days * kSecondsPerDay;
  c::sys_days sd{c::days{days}};
  c::year_month_day ymd{sd};
  ct.year = static_cast<int>(ymd.year());
  ct.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  ct.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  ct.weekday = static_cast<int>(c::weekday{sd}.c_encoding());
  ct.minute_of_day = static_cast<int>(sod / 60);
  ct.second = static_cast<int>(sod % 60);
  return ct;
}

int days_in_month(int year, int month) {
  namespace c = std::chrono;
  c::year_month_day_last last{c::year{year} / c::month{static_cast<unsigned>(month)} / c::last};
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

}  // namespace tocsin::timeinterval
