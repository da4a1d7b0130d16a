// tocsin bench load generator and webhook sink.
// Plain POSIX sockets, keep-alive HTTP/1.1; SQLite only for the commit floor.
// Built by bench/run.sh:  g++ -O2 -std=c++20 -pthread bench/loadgen.cpp -o bench/.out/loadgen -lsqlite3
//
// Subcommands (all print one JSON object on stdout):
//   post     --port P --start S --count N --groups G [--clients 4] [--batch 100] [--starts-at RFC3339]
//            [--extra k=v] [--group-label group] [--group-prefix g] [--max-seconds T]
//   get      --port P --path /api/v2/alerts --count N [--max-seconds T]
//   silences --port P --start S --count N [--clients 4] [--max-seconds T]
//   rps      --port P --count N [--clients 4] [--path /-/healthy]
//   sink     --port P                       (runs until killed)
//   notify   --port P --sink S --count N [--prefix n] [--gap-us 1000] [--max-seconds T]
//   flush    --port P --sink S --count N [--prefix f] [--max-seconds T]
//   commit   --dir D --rows R --count N      (SQLite alone: CPU per row of durable commits of R rows)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

static std::map<std::string, std::string> g_args;
static std::string arg(const char* k, const char* def) {
    auto it = g_args.find(k);
    return it == g_args.end() ? std::string(def) : it->second;
}
static long iarg(const char* k, long def) {
    auto it = g_args.find(k);
    return it == g_args.end() ? def : std::atol(it->second.c_str());
}
static int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
static double mono() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
static std::string rfc3339(time_t t) {
    char buf[64];
    tm g;
    gmtime_r(&t, &g);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &g);
    return buf;
}

// ---------------------------------------------------------------- client
struct Conn {
    int fd = -1;
    int port = 0;
    std::string rbuf;
    bool open() {
        close_();
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return false;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(fd, (sockaddr*)&a, sizeof a) != 0) { close_(); return false; }
        rbuf.clear();
        return true;
    }
    void close_() { if (fd >= 0) ::close(fd); fd = -1; }
    bool send_all(const std::string& s) {
        size_t off = 0;
        while (off < s.size()) {
            ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
            if (n <= 0) { if (n < 0 && errno == EINTR) continue; return false; }
            off += size_t(n);
        }
        return true;
    }
    bool fill() {
        char buf[65536];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return false;
        rbuf.append(buf, size_t(n));
        return true;
    }
    // Returns status, or -1 on a transport error. body receives the decoded body.
    int read_response(std::string* body) {
        size_t he;
        while ((he = rbuf.find("\r\n\r\n")) == std::string::npos)
            if (!fill()) return -1;
        std::string head = rbuf.substr(0, he);
        rbuf.erase(0, he + 4);
        int status = std::atoi(head.c_str() + 9);
        std::string lower = head;
        for (auto& c : lower) c = char(std::tolower((unsigned char)c));
        bool chunked = lower.find("transfer-encoding: chunked") != std::string::npos;
        bool closing = lower.find("connection: close") != std::string::npos;
        std::string out;
        if (chunked) {
            for (;;) {
                size_t le;
                while ((le = rbuf.find("\r\n")) == std::string::npos)
                    if (!fill()) return -1;
                size_t sz = std::strtoul(rbuf.c_str(), nullptr, 16);
                rbuf.erase(0, le + 2);
                while (rbuf.size() < sz + 2)
                    if (!fill()) return -1;
                out.append(rbuf, 0, sz);
                rbuf.erase(0, sz + 2);
                if (sz == 0) break;  // (no trailers expected)
            }
        } else {
            size_t cl = 0;
            auto p = lower.find("content-length:");
            if (p != std::string::npos) cl = std::strtoul(lower.c_str() + p + 15, nullptr, 10);
            while (rbuf.size() < cl)
                if (!fill()) return -1;
            out.assign(rbuf, 0, cl);
            rbuf.erase(0, cl);
        }
        if (closing) close_();
        if (body) *body = std::move(out);
        return status;
    }
    int request(const std::string& method, const std::string& path, const std::string& body, std::string* resp) {
        std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: tocsin-bench\r\n";
        if (!body.empty() || method == "POST")
            req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
        req += "\r\n";
        req += body;
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (fd < 0 && !open()) return -1;
            if (!send_all(req)) { close_(); continue; }
            int st = read_response(resp);
            if (st < 0) { close_(); continue; }
            return st;
        }
        return -1;
    }
};

static double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = size_t(p * double(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

// ---------------------------------------------------------------- alerts
static std::string alert_json(long i, long groups, const std::string& starts, const std::string& ends,
                              const std::string& glabel, const std::string& gprefix, const std::string& extra) {
    std::string s = "{\"labels\":{\"alertname\":\"BenchAlert\",\"";
    s += glabel + "\":\"" + gprefix + std::to_string(groups > 0 ? i % groups : i) + "\"";
    s += ",\"instance\":\"i" + std::to_string(i) + "\"";
    s += ",\"service\":\"svc-" + std::to_string(i % 1000) + "\"";
    s += ",\"severity\":\"warning\",\"job\":\"bench\"";
    if (!extra.empty()) {
        auto eq = extra.find('=');
        s += ",\"" + extra.substr(0, eq) + "\":\"" + extra.substr(eq + 1) + "\"";
    }
    s += "},\"annotations\":{\"summary\":\"bench alert " + std::to_string(i) +
         "\",\"description\":\"something is wrong on instance i" + std::to_string(i) + "\"}";
    s += ",\"startsAt\":\"" + starts + "\",\"endsAt\":\"" + ends + "\"";
    s += ",\"generatorURL\":\"http://prometheus.local/graph?g0.expr=up\"}";
    return s;
}

// Runs fn(conn) on `clients` threads, each with its own keep-alive connection, and waits for them.
template <class F>
static void on_clients(long clients, int port, F fn) {
    std::vector<std::thread> th;
    for (long c = 0; c < clients; ++c)
        th.emplace_back([&] {
            Conn conn;
            conn.port = port;
            fn(conn);
        });
    for (auto& t : th) t.join();
}

struct PostResult { long ok = 0, err = 0; double secs = 0; };

// Posts alerts [start, start+count) in batches from `clients` keep-alive connections.
static PostResult post_alerts(int port, long start, long count, long groups, long clients, long batch,
                              const std::string& starts, const std::string& glabel, const std::string& gprefix,
                              const std::string& extra, double max_secs) {
    std::string ends = rfc3339(time(nullptr) + 3600);
    long nb = (count + batch - 1) / batch;
    // Prebuild bodies so the clock measures the daemon, not JSON building.
    std::vector<std::string> bodies(static_cast<size_t>(nb));
    for (long b = 0; b < nb; ++b) {
        std::string body = "[";
        for (long i = b * batch; i < std::min(count, (b + 1) * batch); ++i) {
            if (i != b * batch) body += ",";
            body += alert_json(start + i, groups, starts, ends, glabel, gprefix, extra);
        }
        body += "]";
        bodies[size_t(b)] = std::move(body);
    }
    std::atomic<long> next{0}, ok{0}, err{0};
    double t0 = mono();
    on_clients(clients, port, [&](Conn& conn) {
            for (;;) {
                long b = next.fetch_add(1);
                if (b >= nb || mono() - t0 > max_secs) break;
                std::string resp;
                int st = conn.request("POST", "/api/v2/alerts", bodies[size_t(b)], &resp);
                long n = std::min(count, (b + 1) * batch) - b * batch;
                if (st == 200) ok += n; else { err += n; if (err <= n) fprintf(stderr, "post status %d %s\n", st, resp.substr(0, 200).c_str()); }
            }
    });
    return {ok.load(), err.load(), mono() - t0};
}

static int cmd_post() {
    int port = int(iarg("port", 9093));
    std::string starts = arg("starts-at", "");
    if (starts.empty()) starts = rfc3339(time(nullptr));
    auto r = post_alerts(port, iarg("start", 0), iarg("count", 1000), iarg("groups", 1000), iarg("clients", 4),
                         iarg("batch", 100), starts, arg("group-label", "group"), arg("group-prefix", "g"),
                         arg("extra", ""), double(iarg("max-seconds", 120)));
    printf("{\"ok\":%ld,\"errors\":%ld,\"seconds\":%.6f,\"rate\":%.1f}\n", r.ok, r.err, r.secs,
           r.secs > 0 ? double(r.ok) / r.secs : 0.0);
    return r.err ? 1 : 0;
}

static int cmd_get() {
    Conn c;
    c.port = int(iarg("port", 9093));
    std::string path = arg("path", "/api/v2/alerts");
    long n = iarg("count", 50);
    double maxs = double(iarg("max-seconds", 30));
    std::vector<double> lat;
    size_t bytes = 0;
    long errs = 0;
    std::string resp;
    c.request("GET", path, "", &resp);  // warm-up, not counted
    double t0 = mono();
    for (long i = 0; i < n && mono() - t0 < maxs; ++i) {
        double a = mono();
        int st = c.request("GET", path, "", &resp);
        double d = mono() - a;
        if (st != 200) { ++errs; continue; }
        lat.push_back(d * 1000.0);
        bytes = resp.size();
    }
    printf("{\"n\":%zu,\"errors\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"bytes\":%zu}\n", lat.size(),
           errs, pct(lat, 0.5), pct(lat, 0.99), pct(lat, 1.0), bytes);
    return errs ? 1 : 0;
}

static int cmd_silences() {
    int port = int(iarg("port", 9093));
    long start = iarg("start", 0), count = iarg("count", 1000), clients = iarg("clients", 4);
    double maxs = double(iarg("max-seconds", 120));
    std::string s0 = rfc3339(time(nullptr) - 60), s1 = rfc3339(time(nullptr) + 7200);
    std::atomic<long> next{0}, ok{0}, err{0};
    double t0 = mono();
    on_clients(clients, port, [&](Conn& conn) {
            for (;;) {
                long k = next.fetch_add(1);
                if (k >= count || mono() - t0 > maxs) break;
                long i = start + k;
                std::string body = "{\"matchers\":[{\"name\":\"instance\",\"value\":\"i" + std::to_string(i) +
                                   "\",\"isRegex\":false,\"isEqual\":true},{\"name\":\"alertname\",\"value\":"
                                   "\"Bench.*\",\"isRegex\":true,\"isEqual\":true}],\"startsAt\":\"" + s0 +
                                   "\",\"endsAt\":\"" + s1 + "\",\"createdBy\":\"bench\",\"comment\":\"bench silence " +
                                   std::to_string(i) + "\"}";
                std::string resp;
                int st = conn.request("POST", "/api/v2/silences", body, &resp);
                if (st == 200) ++ok; else { if (++err == 1) fprintf(stderr, "silence status %d %s\n", st, resp.substr(0, 200).c_str()); }
            }
    });
    double secs = mono() - t0;
    printf("{\"ok\":%ld,\"errors\":%ld,\"seconds\":%.6f,\"rate\":%.1f}\n", ok.load(), err.load(), secs,
           secs > 0 ? double(ok.load()) / secs : 0.0);
    return err ? 1 : 0;
}

// A bodiless GET by C keep-alive clients, N in all: the HTTP floor under the silence figure.
static int cmd_rps() {
    int port = int(iarg("port", 9093));
    long count = iarg("count", 1000), clients = iarg("clients", 4);
    std::string path = arg("path", "/-/healthy");
    std::atomic<long> next{0}, ok{0};
    double t0 = mono();
    on_clients(clients, port, [&](Conn& conn) {
        std::string resp;
        while (next.fetch_add(1) < count)
            if (conn.request("GET", path, "", &resp) == 200) ++ok;
    });
    double secs = mono() - t0;
    printf("{\"ok\":%ld,\"seconds\":%.6f,\"rate\":%.1f}\n", ok.load(), secs, secs > 0 ? double(ok.load()) / secs : 0.0);
    return ok.load() == count ? 0 : 1;
}

// ---------------------------------------------------------------- sink
// epoll, single thread. Each POST is one notification; the first receive time per
// groupLabels "group" value is kept. GET /stats, GET /times, GET /reset.
struct SinkConn { std::string in; };

static std::string group_key(const std::string& body) {
    auto p = body.find("\"groupLabels\"");
    if (p == std::string::npos) return "";
    auto e = body.find('}', p);
    auto g = body.find("\"group\"", p);
    if (g == std::string::npos || g > e) return "";
    auto q1 = body.find('"', body.find(':', g + 7));
    auto q2 = body.find('"', q1 + 1);
    return body.substr(q1 + 1, q2 - q1 - 1);
}

static int cmd_sink() {
    int port = int(iarg("port", 9099));
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (sockaddr*)&a, sizeof a) != 0 || listen(lfd, 4096) != 0) { perror("sink bind"); return 1; }
    fcntl(lfd, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    std::unordered_map<int, SinkConn> conns;
    std::unordered_map<std::string, int64_t> first;
    long count = 0;
    int64_t first_ns = 0, last_ns = 0;
    fprintf(stderr, "sink listening on %d\n", port);
    std::vector<epoll_event> evs(256);
    for (;;) {
        int n = epoll_wait(ep, evs.data(), int(evs.size()), -1);
        for (int i = 0; i < n; ++i) {
            int fd = evs[size_t(i)].data.fd;
            if (fd == lfd) {
                int c;
                while ((c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event ce{};
                    ce.events = EPOLLIN;
                    ce.data.fd = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                    conns[c];
                }
                continue;
            }
            auto& sc = conns[fd];
            char buf[65536];
            bool dead = false;
            for (;;) {
                ssize_t r = ::recv(fd, buf, sizeof buf, 0);
                if (r > 0) { sc.in.append(buf, size_t(r)); continue; }
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) dead = true;
                break;
            }
            // Serve every complete request in the buffer.
            for (;;) {
                auto he = sc.in.find("\r\n\r\n");
                if (he == std::string::npos) break;
                std::string head = sc.in.substr(0, he);
                std::string lower = head;
                for (auto& ch : lower) ch = char(std::tolower((unsigned char)ch));
                size_t cl = 0;
                auto p = lower.find("content-length:");
                if (p != std::string::npos) cl = std::strtoul(lower.c_str() + p + 15, nullptr, 10);
                if (sc.in.size() < he + 4 + cl) break;
                std::string body = sc.in.substr(he + 4, cl);
                sc.in.erase(0, he + 4 + cl);
                std::string out;
                if (head.rfind("POST", 0) == 0) {
                    int64_t t = now_ns();
                    ++count;
                    if (!first_ns) first_ns = t;
                    last_ns = t;
                    std::string k = group_key(body);
                    first.emplace(k, t);
                } else if (head.rfind("GET /stats", 0) == 0) {
                    out = "{\"count\":" + std::to_string(count) + ",\"groups\":" + std::to_string(first.size()) +
                          ",\"first_ns\":" + std::to_string(first_ns) + ",\"last_ns\":" + std::to_string(last_ns) + "}";
                } else if (head.rfind("GET /times", 0) == 0) {
                    for (auto& [k, v] : first) out += k + " " + std::to_string(v) + "\n";
                } else if (head.rfind("GET /reset", 0) == 0) {
                    first.clear();
                    count = 0;
                    first_ns = last_ns = 0;
                    out = "ok";
                }
                std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                   std::to_string(out.size()) + "\r\n\r\n" + out;
                // Small answers: a blocking-ish loop is fine on loopback.
                size_t off = 0;
                while (off < resp.size()) {
                    ssize_t w = ::send(fd, resp.data() + off, resp.size() - off, MSG_NOSIGNAL);
                    if (w > 0) off += size_t(w);
                    else if (w < 0 && errno == EAGAIN) usleep(100);
                    else { dead = true; break; }
                }
            }
            if (dead) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
                ::close(fd);
                conns.erase(fd);
            }
        }
    }
}

static std::string sink_get(int sport, const std::string& path) {
    Conn c;
    c.port = sport;
    std::string r;
    c.request("GET", path, "", &r);
    return r;
}

static long json_num(const std::string& s, const char* key) {
    auto p = s.find(std::string("\"") + key + "\":");
    return p == std::string::npos ? 0 : std::atol(s.c_str() + p + std::strlen(key) + 3);
}

// Single alerts posted one by one, each in a new group; latency = sink receive - send time.
static int cmd_notify() {
    int port = int(iarg("port", 9093)), sport = int(iarg("sink", 9099));
    long n = iarg("count", 1000), gap = iarg("gap-us", 1000);
    double maxs = double(iarg("max-seconds", 60));
    std::string prefix = arg("prefix", "n");
    std::string starts = rfc3339(time(nullptr)), ends = rfc3339(time(nullptr) + 3600);
    sink_get(sport, "/reset");
    Conn c;
    c.port = port;
    std::unordered_map<std::string, int64_t> sent;
    double t0 = mono();
    long posted = 0;
    for (long i = 0; i < n && mono() - t0 < maxs; ++i) {
        std::string body = "[" + alert_json(i, 0, starts, ends, "group", prefix, "") + "]";
        int64_t t = now_ns();
        std::string resp;
        if (c.request("POST", "/api/v2/alerts", body, &resp) != 200) continue;
        sent[prefix + std::to_string(i)] = t;
        ++posted;
        if (gap > 0) usleep(useconds_t(gap));
    }
    // Wait for the sink to see every group (bounded).
    double w0 = mono();
    while (mono() - w0 < 30) {
        if (json_num(sink_get(sport, "/stats"), "groups") >= posted) break;
        usleep(20000);
    }
    std::string times = sink_get(sport, "/times");
    std::vector<double> lat;
    size_t p = 0;
    while (p < times.size()) {
        auto e = times.find('\n', p);
        if (e == std::string::npos) break;
        auto line = times.substr(p, e - p);
        p = e + 1;
        auto sp = line.find(' ');
        auto it = sent.find(line.substr(0, sp));
        if (it != sent.end()) lat.push_back(double(std::atoll(line.c_str() + sp + 1) - it->second) / 1e6);
    }
    printf("{\"posted\":%ld,\"received\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n", posted, lat.size(),
           pct(lat, 0.5), pct(lat, 0.99), pct(lat, 1.0));
    return lat.size() == size_t(posted) ? 0 : 1;
}

// N alerts in N new groups posted in batches; rate = notifications / (last receive - first receive).
static int cmd_flush() {
    int port = int(iarg("port", 9093)), sport = int(iarg("sink", 9099));
    long n = iarg("count", 10000);
    double maxs = double(iarg("max-seconds", 60));
    sink_get(sport, "/reset");
    int64_t t0 = now_ns();
    auto r = post_alerts(port, 1000000, n, 0, 4, 100, rfc3339(time(nullptr)), "group", arg("prefix", "f"),
                         "flush=yes", maxs);
    double w0 = mono();
    std::string st;
    while (mono() - w0 < maxs) {
        st = sink_get(sport, "/stats");
        if (json_num(st, "groups") >= r.ok) break;
        usleep(20000);
    }
    st = sink_get(sport, "/stats");
    long got = json_num(st, "groups");
    int64_t f = json_num(st, "first_ns"), l = json_num(st, "last_ns");
    double span = double(l - f) / 1e9;
    printf("{\"posted\":%ld,\"received\":%ld,\"post_seconds\":%.3f,\"first_after_post_ms\":%.1f,"
           "\"flush_seconds\":%.3f,\"rate\":%.1f}\n",
           r.ok, got, r.secs, double(f - t0) / 1e6, span, span > 0 ? double(got) / span : 0.0);
    return got == r.ok ? 0 : 1;
}

// ---------------------------------------------------------------- commit
// The floor under a durable silence: SQLite on its own, no HTTP, no JSON. Commits of R rows appended to
// a table shaped like tocsin's log_rows (a rowid table: the cheapest layout measured, 4.0 us a row at 4
// rows a commit where the kv table's WITHOUT ROWID b-tree took 9.8), exclusive locking, WAL,
// synchronous=NORMAL (tocsin's default: durable against a crash of the process), 400-byte values (about
// a silence's stored row). Prints the thread's CPU time per row and per commit.
static double thread_cpu_s() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

static int cmd_commit() {
    std::string dir = arg("dir", "/tmp");
    long rows = std::max(1L, iarg("rows", 4)), count = std::max(rows, iarg("count", 20000));
    std::string path = dir + "/commit-floor.db";
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    sqlite3* db = nullptr;
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) { fprintf(stderr, "open %s failed\n", path.c_str()); return 1; }
    const char* setup = "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                        "CREATE TABLE log_rows (seq INTEGER PRIMARY KEY, ns TEXT NOT NULL, value BLOB NOT NULL)";
    if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO log_rows (seq, ns, value) VALUES (?1, 'silences', ?2)", -1, &st, nullptr);
    std::string value(400, 'x');
    long done = 0;
    double t0 = thread_cpu_s();
    while (done < count) {
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        for (long j = 0; j < rows; ++j, ++done) {
            sqlite3_bind_int64(st, 1, done + 1);
            sqlite3_bind_blob(st, 2, value.data(), int(value.size()), SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
            sqlite3_reset(st);
        }
        if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) { fprintf(stderr, "%s\n", sqlite3_errmsg(db)); return 1; }
    }
    double secs = thread_cpu_s() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    printf("{\"rows\":%ld,\"per_commit\":%ld,\"us_per_row\":%.3f,\"us_per_commit\":%.3f}\n", done, rows,
           secs * 1e6 / double(done), secs * 1e6 / double(done) * double(rows));
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 2) { fprintf(stderr, "usage: loadgen CMD [--key value]...\n"); return 2; }
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k.rfind("--", 0) == 0) k = k.substr(2);
        g_args[k] = argv[i + 1];
    }
    std::string cmd = argv[1];
    if (cmd == "post") return cmd_post();
    if (cmd == "get") return cmd_get();
    if (cmd == "silences") return cmd_silences();
    if (cmd == "rps") return cmd_rps();
    if (cmd == "sink") return cmd_sink();
    if (cmd == "notify") return cmd_notify();
    if (cmd == "flush") return cmd_flush();
    if (cmd == "commit") return cmd_commit();
    fprintf(stderr, "unknown command %s\n", cmd.c_str());
    return 2;
}
