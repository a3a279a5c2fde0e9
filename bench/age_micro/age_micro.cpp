// In-process throughput of probe::age::decrypt, and a whole-process mode
// for hyperfine and /usr/bin/time next to `age -d`.
//   age_micro once KEYFILE FILE        decrypt once, plaintext to stdout
//   age_micro rounds KEYFILE FILE N    N decrypts in-process: median MB/s
//   age_micro scrypt PASSPHRASE FILE   one scrypt decrypt, its time
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "probe/age.hpp"

using namespace probe::age;

static std::vector<Identity> load(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = parse_identities(ss.str());
  if (auto* f = std::get_if<Failure>(&r)) {
    std::fprintf(stderr, "%s\n", f->message.c_str());
    std::exit(2);
  }
  return std::move(std::get<std::vector<Identity>>(r));
}

static std::variant<Decrypted, Failure> run(const char* file, const std::vector<Identity>& ids) {
  probe::UniqueFd fd(open(file, O_RDONLY | O_CLOEXEC));
  return decrypt(fd.get(), ids);
}

static int once(const char* file, const std::vector<Identity>& ids) {
  auto r = run(file, ids);
  if (auto* f = std::get_if<Failure>(&r)) {
    std::fprintf(stderr, "age_micro: error: %s\nhint: %s\n", f->message.c_str(), f->hint.c_str());
    return 4;
  }
  auto& d = std::get<Decrypted>(r);
  for (off_t off = 0; static_cast<uint64_t>(off) < d.size;)
    if (sendfile(1, d.plaintext.get(), &off, d.size - static_cast<uint64_t>(off)) <= 0) return 1;
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  std::string mode = argv[1];
  if (mode == "scrypt") {
    std::vector<Identity> ids;
    ids.push_back(passphrase_identity(argv[2]));
    auto t0 = std::chrono::steady_clock::now();
    auto r = run(argv[3], ids);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("scrypt decrypt: %.3f s (%s)\n", s, std::holds_alternative<Decrypted>(r) ? "ok" : "FAILED");
    return 0;
  }
  auto ids = load(argv[2]);
  if (mode == "once") return once(argv[3], ids);
  int n = argc > 4 ? std::atoi(argv[4]) : 10;
  std::vector<double> mbps;
  uint64_t size = 0;
  for (int i = 0; i < n; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = run(argv[3], ids);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!std::holds_alternative<Decrypted>(r)) return 4;
    size = std::get<Decrypted>(r).size;
    mbps.push_back(static_cast<double>(size) / 1e6 / s);
  }
  std::sort(mbps.begin(), mbps.end());
  std::printf("in-process decrypt of %llu bytes: median %.0f MB/s (min %.0f, max %.0f, %d rounds)\n",
              static_cast<unsigned long long>(size), mbps[mbps.size() / 2], mbps.front(), mbps.back(), n);
  return 0;
}
