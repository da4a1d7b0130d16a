// fake_store.hpp: an in-memory store::Store for the silence tests, with a switch that makes durable
// writes fail.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace tocsin::testing {

class FakeStore final : public store::Store {
 public:
  void put(std::string_view ns, std::string key, std::string value) override {
    rows_[std::string(ns)][std::move(key)] = std::move(value);
  }
  void erase(std::string_view ns, std::string key) override { rows_[std::string(ns)].erase(key); }
  Result<void> put_durable(std::string_view ns, std::string key, std::string value) override {
    if (fail_durable) {
      return make_error("disk full");
    }
    ++durable_writes;
    put(ns, std::move(key), std::move(value));
    return {};
  }
  Result<void> erase_durable(std::string_view ns, std::string key) override {
    if (fail_durable) {
      return make_error("disk full");
    }
    erase(ns, std::move(key));
    return {};
  }
  // Held until flush(), as the SQLite store holds them until a commit.
  void put_durable_async(std::string_view ns, std::string key, std::string value,
                         std::function<void(Result<void>)> done) override {
    pending_.push_back({std::string(ns), std::move(key), std::move(value), std::move(done)});
  }
  Result<std::uint64_t> append_durable(std::string_view ns, std::string value) override {
    if (fail_durable) {
      return make_error("disk full");
    }
    ++durable_writes;
    return append(ns, std::move(value));
  }
  void append_durable_async(std::string_view ns, std::string value,
                            std::function<void(Result<std::uint64_t>)> done) override {
    pending_appends_.push_back({std::string(ns), std::move(value), std::move(done)});
  }
  Result<void> flush() override {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& p : pending) p.done(put_durable(p.ns, std::move(p.key), std::move(p.value)));
    auto appends = std::move(pending_appends_);
    pending_appends_.clear();
    for (auto& p : appends) p.done(append_durable(p.ns, std::move(p.value)));
    return {};
  }
  Result<std::vector<store::Row>> load(std::string_view ns) override {
    std::vector<store::Row> out;
    for (const auto& [k, v] : rows_[std::string(ns)]) {
      out.push_back({k, v});
    }
    return out;
  }
  std::uint64_t append(std::string_view ns, std::string value) override {
    log_[std::string(ns)][++last_seq_] = std::move(value);
    return last_seq_;
  }
  void erase_seq(std::string_view ns, std::uint64_t seq) override { log_[std::string(ns)].erase(seq); }
  Result<std::vector<store::LogRow>> load_log(std::string_view ns) override {
    std::vector<store::LogRow> out;
    for (const auto& [seq, v] : log_[std::string(ns)]) {
      out.push_back({seq, v});
    }
    return out;
  }

  // Rows of a namespace, key/value and log.
  size_t count(std::string_view ns) { return rows_[std::string(ns)].size() + log_[std::string(ns)].size(); }

  bool fail_durable = false;
  int durable_writes = 0;

 private:
  struct Pending {
    std::string ns, key, value;
    std::function<void(Result<void>)> done;
  };
  std::vector<Pending> pending_;
  struct PendingAppend {
    std::string ns, value;
    std::function<void(Result<std::uint64_t>)> done;
  };
  std::vector<PendingAppend> pending_appends_;
  std::map<std::string, std::map<std::string, std::string>> rows_;
  std::map<std::string, std::map<std::uint64_t, std::string>> log_;
  std::uint64_t last_seq_ = 0;
};

}  // namespace tocsin::testing
