// codec_test.cpp: silence JSON against bodies and answers captured from Alertmanager 0.25.
#include "silence/codec.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace std::chrono_literals;
using tocsin::Matcher;
using tocsin::MatchType;
using tocsin::TimePoint;
using namespace tocsin::silence;

namespace {

TimePoint at(const char* rfc3339) {
  auto t = tocsin::parse_rfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

struct Rejection {
  int status;
  int code;
  std::string message;
};

Rejection reject(const std::string& body) {
  PostableError e;
  auto r = parse_postable_silence(body, &e);
  REQUIRE_FALSE(r.ok());
  return {e.http_status, e.code, r.error()};
}

const char* kGood =
    R"({"matchers":[{"name":"job","value":"api","isRegex":false},{"name":"env","value":"p.*","isRegex":true},)"
    R"({"name":"x","value":"y","isRegex":false,"isEqual":false},{"name":"z","value":"w\"q","isRegex":true,"isEqual":false}],)"
    R"("startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00.5Z","createdBy":"ops <ops@example.com>",)"
    R"("comment":"db upgrade & reboot"})";

}  // namespace

// Every field of a silence read back equals the one written.
static void check_same(const Silence& got, const Silence& want) {
  CHECK(got.id == want.id);
  CHECK(got.matchers == want.matchers);
  CHECK(got.starts_at == want.starts_at);
  CHECK(got.ends_at == want.ends_at);
  CHECK(got.updated_at == want.updated_at);
  CHECK(got.created_by == want.created_by);
  CHECK(got.comment == want.comment);
}

TEST_CASE("parse_postable_silence: the four matcher kinds, times, people, id") {
  auto r = parse_postable_silence(kGood);
  REQUIRE(r.ok());
  const Silence& s = *r;
  CHECK(s.id.empty());
  REQUIRE(s.matchers.size() == 4);
  CHECK(s.matchers[0].type() == MatchType::kEqual);
  CHECK(s.matchers[1].type() == MatchType::kRegex);
  CHECK(s.matchers[2].type() == MatchType::kNotEqual);
  CHECK(s.matchers[3].type() == MatchType::kNotRegex);
  CHECK(s.matchers[3].value() == "w\"q");
  CHECK(s.starts_at == at("2030-01-01T00:00:00Z"));
  CHECK(s.ends_at == at("2030-01-01T00:00:00Z") + 24h + 500ms);
  CHECK(s.created_by == "ops <ops@example.com>");
  CHECK(s.comment == "db upgrade & reboot");

  auto with_id = parse_postable_silence(
      R"({"id":"8303cb6f-1900-4aca-8cff-1982d72537bb","matchers":[{"name":"a","value":"b","isRegex":false,"isEqual":null}],)"
      R"("startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-01T01:00:00+02:00","createdBy":"","comment":"","extra":1})");
  REQUIRE(with_id.ok());
  CHECK(with_id->id == "8303cb6f-1900-4aca-8cff-1982d72537bb");
  CHECK(with_id->matchers[0].type() == MatchType::kEqual);  // isEqual null: the default, true
  CHECK(with_id->ends_at == at("2029-12-31T23:00:00Z"));
}

TEST_CASE("parse_postable_silence: go-swagger's rejections") {
  const std::string times = R"("startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z")";
  const std::string people = R"("createdBy":"me","comment":"c")";
  const std::string ab = R"("matchers":[{"name":"a","value":"b","isRegex":false}])";

  auto r = reject("{" + times + "," + people + "}");
  CHECK(r.status == 422);
  CHECK(r.code == 602);
  CHECK(r.message == "matchers in body is required");
  r = reject(R"({"matchers":[],)" + times + "," + people + "}");
  CHECK(r.status == 422);
  CHECK(r.code == 612);
  CHECK(r.message == "matchers in body should have at least 1 items");
  CHECK(reject("{" + ab + "," + times + R"(,"comment":"c"})").message == "createdBy in body is required");
  CHECK(reject("{" + ab + "," + times + R"(,"createdBy":"me"})").message == "comment in body is required");
  CHECK(reject(R"({"matchers":[{"name":"a"}]})").message == "comment in body is required");
  CHECK(reject("{" + ab + R"(,"endsAt":"2030-01-02T00:00:00Z",)" + people + "}").message ==
        "startsAt in body is required");
  CHECK(reject("{" + ab + R"(,"startsAt":"2030-01-02T00:00:00Z",)" + people + "}").message ==
        "endsAt in body is required");
  CHECK(reject(R"({"matchers":[{"name":"a","value":"b"}],)" + times + "," + people + "}").message ==
        "matchers.0.isRegex in body is required");
  CHECK(reject(R"({"matchers":[{"value":"b","isRegex":false}],)" + times + "," + people + "}").message ==
        "matchers.0.name in body is required");
  CHECK(reject(R"({"matchers":[{"name":"a","isRegex":false}],)" + times + "," + people + "}").message ==
        "matchers.0.value in body is required");
  r = reject("");
  CHECK(r.status == 422);
  CHECK(r.message == "silence in body is required");

  r = reject(R"({"matchers":[{"name":"a","value":"b","isRegex":"x"}],)" + times + "," + people + "}");
  CHECK(r.status == 400);
  CHECK(r.code == 400);
  CHECK(r.message ==
        "parsing silence body from \"\" failed, because json: cannot unmarshal string into Go struct field "
        "Matcher.matchers.isRegex of type bool");
  CHECK(reject("{" + ab + "," + times + R"(,"createdBy":5,"comment":"c"})").message ==
        "parsing silence body from \"\" failed, because json: cannot unmarshal number into Go struct field "
        "Silence.createdBy of type string");
  CHECK(reject(R"({"matchers":{},)" + times + "," + people + "}").message ==
        "parsing silence body from \"\" failed, because json: cannot unmarshal object into Go struct field "
        "Silence.matchers of type models.Matchers");
  CHECK(reject("{" + ab + "," + times + "," + people + R"(,"id":5})").message ==
        "parsing silence body from \"\" failed, because json: cannot unmarshal number into Go struct field .id "
        "of type string");
  r = reject("not json");
  CHECK(r.status == 400);
  CHECK(r.message.rfind("parsing silence body from \"\" failed, because ", 0) == 0);
  r = reject("{" + ab + R"(,"startsAt":"yesterday","endsAt":"2030-01-02T00:00:00Z",)" + people + "}");
  CHECK(r.status == 400);
  CHECK(r.message.find("yesterday") != std::string::npos);

  r = reject(R"({"matchers":[{"name":"a","value":"(","isRegex":true}],)" + times + "," + people + "}");
  CHECK(r.status == 400);
  CHECK(r.code == 0);
  CHECK(r.message ==
        "silence invalid: invalid label matcher 0: invalid regular expression \"(\": error parsing regexp: "
        "missing closing ): `(`");
}

TEST_CASE("gettable_silence_json: the reference's keys, order, escaping and time format") {
  auto r = parse_postable_silence(kGood);
  REQUIRE(r.ok());
  Silence s = *r;
  s.id = "8303cb6f-1900-4aca-8cff-1982d72537bb";
  s.updated_at = at("2026-11-25T17:29:22.300Z");
  // Captured from Alertmanager 0.25 (GET /api/v2/silences).
  CHECK(gettable_silence_json(s, at("2026-11-25T17:29:23Z")) ==
        R"({"id":"8303cb6f-1900-4aca-8cff-1982d72537bb","status":{"state":"pending"},"updatedAt":"2026-11-25T17:29:22.300Z",)"
        R"("comment":"db upgrade \u0026 reboot","createdBy":"ops \u003cops@example.com\u003e","endsAt":"2030-01-02T00:00:00.500Z",)"
        R"("matchers":[{"isEqual":true,"isRegex":false,"name":"job","value":"api"},{"isEqual":true,"isRegex":true,"name":"env","value":"p.*"},)"
        R"({"isEqual":false,"isRegex":false,"name":"x","value":"y"},{"isEqual":false,"isRegex":true,"name":"z","value":"w\"q"}],)"
        R"("startsAt":"2030-01-01T00:00:00.000Z"})");
  CHECK(gettable_silences_json({s}, at("2030-01-01T00:00:00Z")).find(R"("state":"active")") != std::string::npos);
  CHECK(gettable_silences_json({}, at("2030-01-01T00:00:00Z")) == "[]");

  s.matchers = {*Matcher::make(MatchType::kEqual, "job", "a\bb\fc\u2028<")};
  CHECK(gettable_silence_json(s, at("2030-01-01T00:00:00Z")).find(R"("value":"a\u0008b\u000cc\u2028\u003c")") !=
        std::string::npos);
}

TEST_CASE("small bodies: POST answer, error bodies") {
  CHECK(post_silence_response("ce5888f8-c9e9-471c-8022-ea5f53e1bfeb") ==
        "{\"silenceID\":\"ce5888f8-c9e9-471c-8022-ea5f53e1bfeb\"}\n");
  CHECK(swagger_error_body(602, "comment in body is required") ==
        R"({"code":602,"message":"comment in body is required"})");
  CHECK(json_string_body("silence not found") == "\"silence not found\"\n");
}

TEST_CASE("storage row roundtrip keeps nanoseconds and matcher types") {
  auto r = parse_postable_silence(kGood);
  REQUIRE(r.ok());
  Silence s = *r;
  s.id = "id-1";
  s.updated_at = at("2026-11-25T17:29:22.123456789Z");
  auto back = parse_storage_json(storage_json(s));
  REQUIRE(back.ok());
  check_same(*back, s);
  CHECK_FALSE(parse_storage_json("{}").ok());
  CHECK_FALSE(parse_storage_json("garbage").ok());
}

TEST_CASE("storage row is written as the JSON tree wrote it") {
  Silence s;
  s.id = "id-2";
  s.matchers.push_back(*Matcher::make(MatchType::kRegex, "alertname", "Bench.*|\"q\"\\d"));
  s.matchers.push_back(*Matcher::make(MatchType::kNotEqual, "team", "ops\x01\x1f\x7f é"));
  s.starts_at = at("2026-11-25T17:29:22.123456789Z");
  s.ends_at = at("2026-11-25T19:29:22Z");
  s.updated_at = at("2026-11-25T17:29:22.5Z");
  s.created_by = "me\b\f\n\r\t/<>&";
  s.comment = "";
  // As nlohmann's ordered_json dump() writes the same fields.
  CHECK(storage_json(s) ==
        "{\"id\":\"id-2\",\"matchers\":[{\"type\":\"=~\",\"name\":\"alertname\",\"value\":\"Bench.*|\\\"q\\\"\\\\d\"},"
        "{\"type\":\"!=\",\"name\":\"team\",\"value\":\"ops\\u0001\\u001f\x7f é\"}],"
        "\"starts_at\":1795627762123456789,\"ends_at\":1795634962000000000,\"updated_at\":1795627762500000000,"
        "\"created_by\":\"me\\b\\f\\n\\r\\t/<>&\",\"comment\":\"\"}");
  auto back = parse_storage_json(storage_json(s));
  REQUIRE(back.ok());
  CHECK(back->matchers == s.matchers);
  CHECK(back->created_by == s.created_by);
}

TEST_CASE("storage rows: the direct reader and the JSON tree read the same silence") {
  Silence s;
  s.id = "id-3";
  s.matchers.push_back(*Matcher::make(MatchType::kRegex, "alertname", "Bench.*|\"q\"\\d"));
  s.matchers.push_back(*Matcher::make(MatchType::kNotRegex, "x", "y"));
  s.matchers.push_back(*Matcher::make(MatchType::kNotEqual, "team", "ops\x01\x1f\x7f é"));
  s.matchers.push_back(*Matcher::make(MatchType::kEqual, "e", ""));
  s.starts_at = at("2026-11-25T17:29:22.123456789Z");
  s.ends_at = at("2026-11-25T19:29:22Z");
  s.updated_at = TimePoint{tocsin::Duration{-5}};
  s.created_by = "me\b\f\n\r\t/<>&";
  s.comment = "c";
  const std::string row = storage_json(s);
  // Spaces after the colons are legal JSON the direct reader does not take: the tree reads that one.
  std::string spaced;
  for (char c : row) {
    spaced += c;
    if (c == ':') spaced += ' ';
  }
  for (const std::string& text : {row, spaced}) {
    auto back = parse_storage_json(text);
    REQUIRE(back.ok());
    check_same(*back, s);
  }
  Silence none = s;
  none.matchers.clear();
  auto back = parse_storage_json(storage_json(none));
  REQUIRE(back.ok());
  CHECK(back->matchers.empty());
  // Truncated or altered rows fail (or go to the tree, which fails them).
  CHECK_FALSE(parse_storage_json(row.substr(0, row.size() - 1)).ok());
  CHECK_FALSE(parse_storage_json(row + "x").ok());
  std::string bad_type = row;
  bad_type.replace(bad_type.find("=~"), 2, "~~");
  CHECK_FALSE(parse_storage_json(bad_type).ok());
}

TEST_CASE("a plain body and one that needs the JSON tree give the same silence") {
  // The second body carries an escape, a null id and an unknown key: the one-pass reader leaves it
  // to the tree.
  const char* plain =
      R"({"matchers":[{"name":"instance","value":"i1","isRegex":false,"isEqual":true},)"
      R"({"name":"alertname","value":"Bench.*","isRegex":true},{"name":"a","value":"é","isRegex":true,"isEqual":false}],)"
      R"( "startsAt":"2026-11-25T17:29:22.5+02:00","endsAt":"2026-11-25T19:29:22Z","createdBy":"bench","comment":"c A"} )";
  const char* tree =
      R"({"id":null,"x":1,"matchers":[{"name":"instance","value":"i1","isRegex":false,"isEqual":true},)"
      R"({"name":"alertname","value":"Bench.*","isRegex":true},{"name":"a","value":"é","isRegex":true,"isEqual":false}],)"
      R"("startsAt":"2026-11-25T17:29:22.5+02:00","endsAt":"2026-11-25T19:29:22Z","createdBy":"bench","comment":"c \u0041"})";
  auto a = parse_postable_silence(plain);
  auto b = parse_postable_silence(tree);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->id == b->id);
  CHECK(a->matchers == b->matchers);
  CHECK(a->matchers.size() == 3);
  CHECK(a->matchers[2].type() == MatchType::kNotRegex);
  CHECK(a->starts_at == b->starts_at);
  CHECK(a->ends_at == b->ends_at);
  CHECK(a->created_by == b->created_by);
  CHECK(a->comment == b->comment);
  // Duplicated keys and empty matchers are answered by the tree, with its messages.
  PostableError err;
  auto empty = parse_postable_silence(
      R"({"matchers":[],"startsAt":"2026-11-25T17:29:22Z","endsAt":"2026-11-25T19:29:22Z","createdBy":"b","comment":"c"})",
      &err);
  REQUIRE_FALSE(empty.ok());
  CHECK(err.http_status == 422);
  CHECK(err.code == 612);
}
