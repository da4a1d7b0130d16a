// secret_file.cpp: see secret_file.hpp.
#include "receivers/secret_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "receivers/url_util.hpp"

namespace tocsin::receivers {

Result<std::string> read_trimmed_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // Go prints the errno text in lower case ("no such file or directory", "permission denied").
    std::string reason = std::strerror(errno);
    if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z') reason[0] = static_cast<char>(reason[0] - 'A' + 'a');
    return Error{"open " + path + ": " + reason};
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return gourl::trim_space(ss.str());
}

}  // namespace tocsin::receivers
