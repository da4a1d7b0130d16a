// process_metrics.cpp: see process_metrics.hpp. Linux only, as the reference's process collector.
#include "app/process_metrics.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/metrics.hpp"

namespace tocsin::app {

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The soft limit of a line of /proc/self/limits ("Max open files  1024  4096  files"); -1 unlimited.
bool soft_limit(const std::string& limits, const std::string& name, double& out) {
  size_t p = limits.find(name);
  if (p == std::string::npos) return false;
  std::istringstream line(limits.substr(p + name.size(), limits.find('\n', p) - p - name.size()));
  std::string soft;
  line >> soft;
  if (soft == "unlimited") {
    out = 18446744073709551615.0;  // Go's procfs reports an unlimited limit as the largest uint64
    return true;
  }
  try {
    out = std::stod(soft);
    return true;
  } catch (...) {
    return false;
  }
}

void add(std::string& out, const char* name, const char* type, const char* help, double v) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         metrics::format_value(v) + "\n";
}

std::string collect() {
  std::string out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  // /proc/self/stat: the fields after the command's closing parenthesis, from field 3 (state) on.
  const std::string stat = read_file("/proc/self/stat");
  const size_t close = stat.rfind(')');
  std::vector<std::string> f;
  if (close != std::string::npos) {
    std::istringstream in(stat.substr(close + 1));
    std::string x;
    while (in >> x && f.size() < 64) f.push_back(x);
  }
  auto field = [&](size_t n) -> double {  // n: the field's number in proc(5), 1-based
    const size_t i = n - 3;
    if (i >= f.size()) return -1;
    try {
      return std::stod(f[i]);
    } catch (...) {
      return -1;
    }
  };
  if (f.size() > 22 && ticks > 0) {
    add(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
        (field(14) + field(15)) / ticks);
  }
  const std::string limits = read_file("/proc/self/limits");
  double v = 0;
  if (soft_limit(limits, "Max open files", v)) add(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", v);
  if (DIR* d = opendir("/proc/self/fd")) {
    double n = 0;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') n += 1;
    }
    closedir(d);
    add(out, "process_open_fds", "gauge", "Number of open file descriptors.", n - 1);  // less the one reading it
  }
  if (f.size() > 22) {
    add(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", field(24) * page);
    const std::string pstat = read_file("/proc/stat");
    const size_t bt = pstat.find("btime ");
    if (bt != std::string::npos && ticks > 0) {
      const double boot = std::stod(pstat.substr(bt + 6, pstat.find('\n', bt) - bt - 6));
      add(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
          boot + field(22) / ticks);
    }
    add(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", field(23));
  }
  if (soft_limit(limits, "Max address space", v)) {
    add(out, "process_virtual_memory_max_bytes", "gauge", "Maximum amount of virtual memory available in bytes.", v);
  }
  return out;
}

}  // namespace

void register_process_metrics() { metrics::global().collector("process_", collect); }

}  // namespace tocsin::app
