// silences_test.cpp: the silence engine on a fake clock and an in-memory store: states, the
// reference's update rules, validation messages, silenced_by and its cache, GC, persistence.
#include "silence/silences.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "fake_store.hpp"
#include "silence/codec.hpp"

using namespace std::chrono_literals;
using tocsin::FakeClock;
using tocsin::LabelSet;
using tocsin::Matcher;
using tocsin::Matchers;
using tocsin::MatchType;
using tocsin::TimePoint;
using namespace tocsin::silence;

namespace {

const TimePoint kT0 = TimePoint{} + std::chrono::hours(24 * 365 * 50);  // about 2020

Matcher m(MatchType t, const char* name, const char* value) {
  auto r = Matcher::make(t, name, value);
  REQUIRE(r.ok());
  return *r;
}

Silence make_silence(Matchers ms, TimePoint start, TimePoint end) {
  Silence s;
  s.matchers = std::move(ms);
  s.starts_at = start;
  s.ends_at = end;
  s.created_by = "me";
  s.comment = "maintenance";
  return s;
}

Silence simple(TimePoint start, TimePoint end) {
  return make_silence({m(MatchType::kEqual, "job", "api")}, start, end);
}

struct Fixture {
  FakeClock clock{kT0};
  tocsin::testing::FakeStore store;
  Silences sils{&store, clock, 120h};
};

}  // namespace

TEST_CASE("state_at: pending before start, active through end inclusive, expired after") {
  Silence s = simple(kT0 + 1h, kT0 + 2h);
  CHECK(state_at(s, kT0) == SilenceState::kPending);
  CHECK(state_at(s, kT0 + 1h) == SilenceState::kActive);
  CHECK(state_at(s, kT0 + 2h) == SilenceState::kActive);
  CHECK(state_at(s, kT0 + 2h + 1ns) == SilenceState::kExpired);
  CHECK(std::string(state_str(SilenceState::kPending)) == "pending");
}

TEST_CASE("a new silence gets a UUID v4, starts now if it started in the past, and is durable") {
  Fixture f;
  auto id = f.sils.set(simple(kT0 - 1h, kT0 + 1h));
  REQUIRE(id.ok());
  CHECK(id->size() == 36);
  CHECK((*id)[14] == '4');
  CHECK(std::string("89ab").find((*id)[19]) != std::string::npos);
  for (size_t i = 0; i < id->size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    CHECK_MESSAGE((dash ? (*id)[i] == '-' : std::string("0123456789abcdef").find((*id)[i]) != std::string::npos),
                  *id);
  }
  auto s = f.sils.get(*id);
  REQUIRE(s);
  CHECK(s->starts_at == kT0);
  CHECK(s->updated_at == kT0);
  CHECK(f.store.durable_writes == 1);
  CHECK(f.store.count("silences") == 1);
  CHECK(new_uuid_v4() != new_uuid_v4());
}

TEST_CASE("validation messages follow the reference") {
  Fixture f;
  auto msg = [&](Silence s) {
    ErrorKind k = ErrorKind::kInternal;
    auto r = f.sils.set(std::move(s), &k);
    REQUIRE_FALSE(r.ok());
    CHECK(k == ErrorKind::kInvalid);
    return r.error();
  };
  CHECK(msg(simple(kT0 + 1h, kT0 + 1h)) == "Failed to create silence: start time must be before end time");
  CHECK(msg(simple(kT0 + 2h, kT0 + 1h)) == "Failed to create silence: start time must be before end time");
  CHECK(msg(simple(kT0 - 2h, kT0 - 1h)) == "Failed to create silence: end time can't be in the past");
  CHECK(msg(make_silence({}, kT0, kT0 + 1h)) == "silence invalid: at least one matcher required");
  CHECK(msg(make_silence({m(MatchType::kEqual, "a", "")}, kT0, kT0 + 1h)) ==
        "silence invalid: at least one matcher must not match the empty string");
  CHECK(msg(make_silence({m(MatchType::kRegex, "a", ".*"), m(MatchType::kEqual, "b", "")}, kT0, kT0 + 1h)) ==
        "silence invalid: at least one matcher must not match the empty string");
  CHECK(msg(make_silence({m(MatchType::kEqual, "a b", "x")}, kT0, kT0 + 1h)) ==
        "silence invalid: invalid label matcher 0: invalid label name \"a b\"");
  // != and !~ never count as matching the empty string in the reference.
  CHECK(f.sils.set(make_silence({m(MatchType::kNotEqual, "a", "x")}, kT0, kT0 + 1h)).ok());
  CHECK(f.sils.set(make_silence({m(MatchType::kRegex, "a", "x+")}, kT0, kT0 + 1h)).ok());
  // createdBy and comment may be empty strings (go-swagger only requires their presence).
  Silence anon = simple(kT0, kT0 + 1h);
  anon.created_by.clear();
  anon.comment.clear();
  CHECK(f.sils.set(anon).ok());

  auto bad_re = validate_matcher_fields(MatchType::kRegex, "a", "(");
  REQUIRE_FALSE(bad_re.ok());
  CHECK(bad_re.error() == "invalid regular expression \"(\": error parsing regexp: missing closing ): `(`");
  CHECK(validate_postable(simple(kT0, kT0 + 1h), kT0).ok());
}

TEST_CASE("an unknown id is not found and changes nothing") {
  Fixture f;
  Silence s = simple(kT0, kT0 + 1h);
  s.id = "6c2b5a9e-8d1f-4e0a-9b3c-1d2e3f4a5b6c";
  ErrorKind k = ErrorKind::kInvalid;
  auto r = f.sils.set(s, &k);
  REQUIRE_FALSE(r.ok());
  CHECK(k == ErrorKind::kNotFound);
  CHECK(r.error() == "silence not found");
  CHECK(f.sils.size() == 0);
  auto e = f.sils.expire("nope", &k);
  REQUIRE_FALSE(e.ok());
  CHECK(k == ErrorKind::kNotFound);
  CHECK(e.error() == "silence not found");
}

TEST_CASE("update rules: in place or expire-and-replace, as the reference") {
  Fixture f;
  auto id = *f.sils.set(simple(kT0, kT0 + 2h));
  const uint64_t v0 = f.sils.version();

  SUBCASE("active, same matchers and start, new end and comment: in place") {
    f.clock.advance(10min);
    Silence u = *f.sils.get(id);
    u.ends_at = kT0 + 3h;
    u.comment = "longer";
    auto r = f.sils.set(u);
    REQUIRE(r.ok());
    CHECK(*r == id);
    CHECK(f.sils.size() == 1);
    CHECK(f.sils.get(id)->comment == "longer");
    CHECK(f.sils.get(id)->updated_at == kT0 + 10min);
    CHECK(f.sils.version() > v0);
  }
  SUBCASE("active, start moved within the same second: still in place") {
    Silence u = *f.sils.get(id);
    u.starts_at += 500ms;
    CHECK(*f.sils.set(u) == id);
  }
  SUBCASE("active, start moved: old expired, new one created") {
    f.clock.advance(10min);
    Silence u = *f.sils.get(id);
    u.starts_at = kT0 + 5min;
    auto r = f.sils.set(u);
    REQUIRE(r.ok());
    CHECK(*r != id);
    CHECK(f.sils.size() == 2);
    auto old = *f.sils.get(id);
    CHECK(old.ends_at == kT0 + 10min);
    f.clock.advance(1ns);
    CHECK(state_at(old, f.clock.now()) == SilenceState::kExpired);
    CHECK(f.sils.get(*r)->starts_at == kT0 + 10min);  // a start in the past becomes now
  }
  SUBCASE("changed matchers: old expired, new one created") {
    Silence u = *f.sils.get(id);
    u.matchers = {m(MatchType::kEqual, "job", "db")};
    auto r = f.sils.set(u);
    REQUIRE(r.ok());
    CHECK(*r != id);
    CHECK(f.sils.get(id)->ends_at == kT0);
    CHECK(f.sils.get(*r)->matchers == u.matchers);
  }
  SUBCASE("pending, start kept in the future: in place; start moved to the past: replaced") {
    auto pid = *f.sils.set(simple(kT0 + 1h, kT0 + 2h));
    Silence u = *f.sils.get(pid);
    u.starts_at = kT0 + 30min;
    CHECK(*f.sils.set(u) == pid);
    u.starts_at = kT0 - 1min;
    auto r = f.sils.set(u);
    REQUIRE(r.ok());
    CHECK(*r != pid);
    auto old = *f.sils.get(pid);
    CHECK(old.starts_at == kT0);  // a pending silence expires by starting and ending now
    CHECK(old.ends_at == kT0);
  }
  SUBCASE("expired: never in place, the old one is left as it was") {
    f.clock.advance(3h);
    Silence u = *f.sils.get(id);
    const TimePoint old_updated = u.updated_at;
    u.ends_at = kT0 + 5h;
    auto r = f.sils.set(u);
    REQUIRE(r.ok());
    CHECK(*r != id);
    CHECK(f.sils.get(id)->updated_at == old_updated);
    CHECK(f.sils.get(*r)->starts_at == kT0 + 3h);
  }
  SUBCASE("an invalid update changes nothing") {
    Silence u = *f.sils.get(id);
    u.matchers = {m(MatchType::kEqual, "job", "")};
    CHECK_FALSE(f.sils.set(u).ok());
    CHECK(f.sils.size() == 1);
    CHECK(state_at(*f.sils.get(id), f.clock.now()) == SilenceState::kActive);
  }
}

TEST_CASE("expire: active ends now, pending starts and ends now, expired is a no-op") {
  Fixture f;
  auto a = *f.sils.set(simple(kT0, kT0 + 1h));
  auto p = *f.sils.set(simple(kT0 + 1h, kT0 + 2h));
  f.clock.advance(1min);
  REQUIRE(f.sils.expire(a).ok());
  REQUIRE(f.sils.expire(p).ok());
  CHECK(f.sils.get(a)->ends_at == kT0 + 1min);
  CHECK(f.sils.get(a)->starts_at == kT0);
  CHECK(f.sils.get(p)->starts_at == kT0 + 1min);
  CHECK(f.sils.get(p)->ends_at == kT0 + 1min);
  f.clock.advance(1s);
  const uint64_t v = f.sils.version();
  CHECK(f.sils.expire(a).ok());
  CHECK(f.sils.version() == v);
  auto c = f.sils.count_states();
  CHECK(c.expired == 2);
  CHECK(c.active == 0);
}

TEST_CASE("set_async: a creation is answered, and visible, once its commit is done") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    f.sils.set_async(simple(kT0 - 1h, kT0 + 1h), [&](tocsin::Result<std::string> id, ErrorKind) {
      REQUIRE(id.ok());
      ids.push_back(*id);
    });
  }
  CHECK(ids.empty());
  CHECK(f.sils.size() == 0);
  const auto version = f.sils.version();
  REQUIRE(f.sils.flush().ok());
  REQUIRE(ids.size() == 2);
  CHECK(f.sils.size() == 2);
  CHECK(f.sils.version() != version);
  auto s = f.sils.get(ids[0]);
  REQUIRE(s);
  CHECK(s->starts_at == kT0);
  CHECK(f.store.count("silences") == 2);

  // Invalid: answered at once, nothing queued.
  std::string err;
  ErrorKind kind = ErrorKind::kInternal;
  f.sils.set_async(simple(kT0 + 2h, kT0 + 1h), [&](tocsin::Result<std::string> id, ErrorKind k) {
    err = id.ok() ? "" : id.error();
    kind = k;
  });
  CHECK(kind == ErrorKind::kInvalid);
  CHECK(err.find("end time") != std::string::npos);

  // A failed commit: kInternal, memory unchanged.
  f.store.fail_durable = true;
  kind = ErrorKind::kInvalid;
  f.sils.set_async(simple(kT0, kT0 + 1h), [&](tocsin::Result<std::string> id, ErrorKind k) {
    CHECK_FALSE(id.ok());
    kind = k;
  });
  (void)f.sils.flush();
  CHECK(kind == ErrorKind::kInternal);
  CHECK(f.sils.size() == 2);

  // An update goes through set() and is answered before set_async returns.
  f.store.fail_durable = false;
  Silence u = *f.sils.get(ids[1]);
  u.comment = "longer";
  bool answered = false;
  f.sils.set_async(u, [&](tocsin::Result<std::string> id, ErrorKind) {
    answered = id.ok() && *id == ids[1];
  });
  CHECK(answered);
}

TEST_CASE("silence ids of later creations sort after earlier ones") {
  const std::string a = new_uuid_v4();
  std::this_thread::sleep_for(2ms);  // the id's time part counts milliseconds of the system clock
  const std::string b = new_uuid_v4();
  CHECK(a < b);
  CHECK(b[14] == '4');
}

TEST_CASE("a store failure is an error and leaves memory unchanged") {
  Fixture f;
  auto id = *f.sils.set(simple(kT0, kT0 + 1h));
  f.store.fail_durable = true;
  ErrorKind k = ErrorKind::kInvalid;
  auto r = f.sils.set(simple(kT0, kT0 + 1h), &k);
  REQUIRE_FALSE(r.ok());
  CHECK(k == ErrorKind::kInternal);
  CHECK(f.sils.size() == 1);
  Silence u = *f.sils.get(id);
  u.matchers = {m(MatchType::kEqual, "job", "db")};
  CHECK_FALSE(f.sils.set(u).ok());
  CHECK(f.sils.size() == 1);
  CHECK(state_at(*f.sils.get(id), f.clock.now()) == SilenceState::kActive);
  CHECK_FALSE(f.sils.expire(id).ok());
  CHECK(state_at(*f.sils.get(id), f.clock.now()) == SilenceState::kActive);

  f.store.fail_durable = false;
  Silences reloaded(&f.store, f.clock, 120h);
  REQUIRE(reloaded.load().ok());
  REQUIRE(reloaded.size() == 1);
  CHECK(state_at(*reloaded.get(id), f.clock.now()) == SilenceState::kActive);
}

TEST_CASE("silenced_by: only active silences whose matchers all match") {
  Fixture f;
  LabelSet ls{{"job", "api"}, {"env", "prod"}, {"instance", "a:1"}};
  auto eq = *f.sils.set(make_silence({m(MatchType::kEqual, "job", "api")}, kT0, kT0 + 1h));
  auto ne = *f.sils.set(make_silence({m(MatchType::kNotEqual, "env", "dev")}, kT0, kT0 + 1h));
  auto re = *f.sils.set(make_silence({m(MatchType::kRegex, "instance", "a:.*")}, kT0, kT0 + 1h));
  auto nre = *f.sils.set(make_silence({m(MatchType::kNotRegex, "env", "p.*")}, kT0, kT0 + 1h));
  auto both = *f.sils.set(
      make_silence({m(MatchType::kEqual, "job", "api"), m(MatchType::kEqual, "env", "dev")}, kT0, kT0 + 1h));
  auto absent = *f.sils.set(
      make_silence({m(MatchType::kEqual, "team", ""), m(MatchType::kEqual, "env", "prod")}, kT0, kT0 + 1h));
  auto pending = *f.sils.set(make_silence({m(MatchType::kEqual, "job", "api")}, kT0 + 1h, kT0 + 2h));
  std::vector<std::string> want{eq, ne, re, absent};
  std::sort(want.begin(), want.end());
  CHECK(f.sils.silenced_by(ls, ls.fingerprint()) == want);
  (void)nre;
  (void)both;
  (void)pending;
}

TEST_CASE("silenced_by cache follows changes and the passing of time") {
  Fixture f;
  LabelSet ls{{"job", "api"}, {"env", "prod"}};
  const auto fp = ls.fingerprint();
  CHECK(f.sils.silenced_by(ls, fp).empty());

  auto p = *f.sils.set(simple(kT0 + 10min, kT0 + 20min));
  CHECK(f.sils.silenced_by(ls, fp).empty());  // pending
  f.clock.advance(10min);
  CHECK(f.sils.silenced_by(ls, fp) == std::vector<std::string>{p});  // started, no write in between
  f.clock.advance(10min + 1ns);
  CHECK(f.sils.silenced_by(ls, fp).empty());  // ended

  auto a = *f.sils.set(simple(f.clock.now(), f.clock.now() + 1h));
  CHECK(f.sils.silenced_by(ls, fp) == std::vector<std::string>{a});
  REQUIRE(f.sils.expire(a).ok());
  f.clock.advance(1ns);
  CHECK(f.sils.silenced_by(ls, fp).empty());

  // Matchers changed by an update: the new silence applies, the old one no longer does.
  auto b = *f.sils.set(make_silence({m(MatchType::kEqual, "env", "dev")}, f.clock.now(), f.clock.now() + 1h));
  CHECK(f.sils.silenced_by(ls, fp).empty());
  Silence u = *f.sils.get(b);
  u.matchers = {m(MatchType::kEqual, "env", "prod")};
  auto c = *f.sils.set(u);
  CHECK(f.sils.silenced_by(ls, fp) == std::vector<std::string>{c});
}

TEST_CASE("silence queries are counted as the reference's silencer and scrapes count them") {
  Fixture f;
  LabelSet ls{{"job", "api"}};
  const auto fp = ls.fingerprint();
  f.sils.silenced_by(ls, fp);
  CHECK(f.sils.metrics().queries_total == 0);  // no silences: no query
  (void)f.sils.count_states();
  CHECK(f.sils.metrics().queries_total == 3);  // CountState, once a state
  auto a = *f.sils.set(simple(kT0, kT0 + 1h));
  (void)a;
  f.sils.silenced_by(ls, fp);
  CHECK(f.sils.metrics().queries_total == 4);  // the silences changed: a full query
  f.sils.silenced_by(ls, fp);
  CHECK(f.sils.metrics().queries_total == 5);  // a silence matched: re-read by id
  LabelSet other{{"job", "db"}};
  f.sils.silenced_by(other, other.fingerprint());
  CHECK(f.sils.metrics().queries_total == 6);  // first look at this alert since the change
  f.sils.silenced_by(other, other.fingerprint());
  CHECK(f.sils.metrics().queries_total == 6);  // nothing matched, nothing changed: no query
}

TEST_CASE("silenced_by at a given time into a reused vector") {
  Fixture f;
  LabelSet ls{{"job", "api"}, {"env", "prod"}};
  const auto fp = ls.fingerprint();
  std::vector<std::string> out{"stale"};
  f.sils.silenced_by(ls, fp, f.clock.now(), out);
  CHECK(out.empty());  // no silences at all: cleared, nothing cached
  // Not counted as a query: the reference's silencer does not query while no silence ever changed.
  CHECK(f.sils.metrics().queries_total == 0);
  CHECK(f.sils.metrics().query_duration_count == 0);
  auto p = *f.sils.set(simple(kT0 + 10min, kT0 + 20min));
  auto a = *f.sils.set(simple(kT0, kT0 + 1h));
  f.sils.silenced_by(ls, fp, f.clock.now(), out);
  CHECK(out == std::vector<std::string>{a});
  // The time given decides, not the clock: the pending one is active 15 minutes on, both are over later.
  f.sils.silenced_by(ls, fp, kT0 + 15min, out);
  std::vector<std::string> both{a, p};
  std::sort(both.begin(), both.end());
  CHECK(out == both);
  f.sils.silenced_by(ls, fp, kT0 + 2h, out);
  CHECK(out.empty());
  CHECK(f.sils.silenced_by(ls, fp) == std::vector<std::string>{a});
}

TEST_CASE("silenced_by with many silences agrees with a full scan") {
  Fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 3000; ++i) {
    Matchers ms;
    switch (i % 3) {
      case 0: ms = {m(MatchType::kEqual, "instance", ("host" + std::to_string(i)).c_str())}; break;
      case 1: ms = {m(MatchType::kRegex, "instance", ("host" + std::to_string(i) + "|x").c_str())}; break;
      case 2: ms = {m(MatchType::kEqual, "job", "api"), m(MatchType::kNotEqual, "instance", "host2")}; break;
    }
    ids.push_back(*f.sils.set(make_silence(ms, kT0, kT0 + 1h)));
  }
  for (int i = 0; i < 30; ++i) {
    LabelSet ls{{"instance", "host" + std::to_string(i)}, {"job", i % 2 ? "api" : "db"}};
    std::vector<std::string> want;
    for (const auto& s : f.sils.query()) {
      if (state_at(s, f.clock.now()) == SilenceState::kActive && tocsin::matches_all(s.matchers, ls)) {
        want.push_back(s.id);
      }
    }
    std::sort(want.begin(), want.end());
    CHECK(f.sils.silenced_by(ls, ls.fingerprint()) == want);
    CHECK(f.sils.silenced_by(ls, ls.fingerprint()) == want);  // cached
  }
  CHECK(f.sils.metrics().queries_total > 60);
}

TEST_CASE("gc removes silences expired longer than the retention, from memory and store") {
  Fixture f;
  auto a = *f.sils.set(simple(kT0, kT0 + 1h));
  auto b = *f.sils.set(simple(kT0, kT0 + 100h));
  f.clock.advance(1h + 120h - 1ns);
  CHECK(f.sils.gc() == 0);
  f.clock.advance(1ns);  // at ends_at + retention the reference drops it
  CHECK(f.sils.gc() == 1);
  CHECK_FALSE(f.sils.get(a));
  CHECK(f.sils.get(b));
  CHECK(f.store.count("silences") == 1);
  CHECK(f.sils.metrics().gc_duration_count == 2);
}

TEST_CASE("each write of a silence is a row of the store's log, replacing the silence's previous row") {
  Fixture f;
  auto id = *f.sils.set(simple(kT0, kT0 + 1h));
  CHECK(f.store.count("silences") == 1);
  Silence u = *f.sils.get(id);
  u.comment = "in place";
  REQUIRE(f.sils.set(u).ok());
  CHECK(f.store.count("silences") == 1);
  u.matchers = {m(MatchType::kEqual, "job", "db")};  // a new silence; the old one expires
  auto replacement = *f.sils.set(u);
  CHECK(f.store.count("silences") == 2);
  REQUIRE(f.sils.expire(replacement).ok());
  CHECK(f.store.count("silences") == 2);

  // A crash between a row and the erase of the row it replaced leaves both: load keeps the later row
  // and erases the earlier.
  Silence newer = *f.sils.get(id);
  newer.comment = "written last";
  f.store.append("silences", storage_json(newer));
  CHECK(f.store.count("silences") == 3);
  Silences fresh(&f.store, f.clock, 120h);
  REQUIRE(fresh.load().ok());
  CHECK(fresh.size() == 2);
  CHECK(fresh.get(id)->comment == "written last");
  CHECK(f.store.count("silences") == 2);
  // The reloaded silence carries its row: its next write replaces it.
  f.clock.advance(1min);
  REQUIRE(fresh.expire(id).ok());
  CHECK(f.store.count("silences") == 2);
}

TEST_CASE("load restores the same ids, times and states") {
  Fixture f;
  auto a = *f.sils.set(make_silence({m(MatchType::kRegex, "job", "a.*"), m(MatchType::kNotEqual, "x", "y")},
                                    kT0, kT0 + 1h));
  auto p = *f.sils.set(simple(kT0 + 1h, kT0 + 2h));
  auto e = *f.sils.set(simple(kT0, kT0 + 2h));
  f.clock.advance(1min);
  REQUIRE(f.sils.expire(e).ok());

  Silences fresh(&f.store, f.clock, 120h);
  REQUIRE(fresh.load().ok());
  CHECK(fresh.size() == 3);
  auto now = f.clock.now() + 1ns;
  f.clock.advance(1ns);
  CHECK(state_at(*fresh.get(a), now) == SilenceState::kActive);
  CHECK(state_at(*fresh.get(p), now) == SilenceState::kPending);
  CHECK(state_at(*fresh.get(e), now) == SilenceState::kExpired);
  for (const auto& id : {a, p, e}) {
    auto x = *f.sils.get(id);
    auto y = *fresh.get(id);
    CHECK(x.matchers == y.matchers);
    CHECK(x.starts_at == y.starts_at);
    CHECK(x.ends_at == y.ends_at);
    CHECK(x.updated_at == y.updated_at);
    CHECK(x.created_by == y.created_by);
    CHECK(x.comment == y.comment);
  }
  LabelSet ls{{"job", "abc"}};
  CHECK(fresh.silenced_by(ls, ls.fingerprint()) == std::vector<std::string>{a});
}

TEST_CASE("query: filter by identical matchers, reference order") {
  Fixture f;
  auto a1 = *f.sils.set(make_silence({m(MatchType::kEqual, "job", "api"), m(MatchType::kRegex, "env", "p.*")},
                                     kT0, kT0 + 3h));
  auto a2 = *f.sils.set(simple(kT0, kT0 + 1h));
  auto p1 = *f.sils.set(simple(kT0 + 2h, kT0 + 3h));
  auto p2 = *f.sils.set(simple(kT0 + 1h, kT0 + 3h));
  auto e1 = *f.sils.set(simple(kT0, kT0 + 3h));
  auto e2 = *f.sils.set(simple(kT0, kT0 + 3h));
  f.clock.advance(1min);
  REQUIRE(f.sils.expire(e1).ok());
  f.clock.advance(1min);
  REQUIRE(f.sils.expire(e2).ok());
  f.clock.advance(1ns);

  std::vector<std::string> order;
  for (const auto& s : f.sils.query()) {
    order.push_back(s.id);
  }
  CHECK(order == std::vector<std::string>{a2, a1, p2, p1, e2, e1});

  auto only = f.sils.query({m(MatchType::kRegex, "env", "p.*")});
  REQUIRE(only.size() == 1);
  CHECK(only[0].id == a1);
  CHECK(f.sils.query({m(MatchType::kEqual, "env", "p.*")}).empty());
  CHECK(f.sils.query({m(MatchType::kEqual, "job", "api"), m(MatchType::kEqual, "x", "y")}).empty());
}

TEST_CASE("silenced_by's cache over thousands of alerts: growth, colliding slots, new silences, time") {
  Fixture f;
  // One silence per 7th instance, a regex one over every instance ending in 3 (pending for 10 min).
  std::vector<std::string> single(5000), regex;
  for (int i = 0; i < 5000; i += 7) {
    single[i] = *f.sils.set(make_silence({m(MatchType::kEqual, "instance", ("i" + std::to_string(i)).c_str())},
                                         kT0, kT0 + 1h));
  }
  regex.push_back(*f.sils.set(make_silence({m(MatchType::kRegex, "instance", "i.*3")}, kT0 + 10min, kT0 + 1h)));
  auto expect = [&](int i, TimePoint now, const std::string& extra) {
    std::vector<std::string> want;
    if (!single[i].empty()) want.push_back(single[i]);
    if (i % 10 == 3 && now >= kT0 + 10min) want.push_back(regex[0]);
    if (!extra.empty() && i % 2 == 0) want.push_back(extra);
    std::sort(want.begin(), want.end());
    return want;
  };
  std::vector<std::string> out;
  std::string extra;
  for (TimePoint now : {kT0, kT0, kT0 + 15min, kT0 + 15min}) {  // each twice: built, then from the cache
    if (now == kT0 + 15min && extra.empty()) {
      extra = *f.sils.set(make_silence({m(MatchType::kRegex, "parity", "even")}, kT0, kT0 + 1h));  // a new epoch
    }
    for (int i = 0; i < 5000; ++i) {
      LabelSet ls{{"instance", "i" + std::to_string(i)}, {"parity", i % 2 ? "odd" : "even"}};
      f.sils.prefetch_silenced_by(ls.fingerprint());
      f.sils.silenced_by(ls, ls.fingerprint(), now, out);
      REQUIRE_MESSAGE(out == expect(i, now, extra), i);
    }
  }
}
