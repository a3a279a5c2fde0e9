// The exec capability model (probe/exec_caps.hpp) against the kernel: for
// random credentials, securebits, no_new_privs, set-id bits, file
// capabilities (revisions 2 and 3) and nosuid mounts, a child sets itself
// up, calls setresgid/setresuid and execs a copy of report_creds; the
// credentials the kernel gave (before and after the exec) must equal the
// model's. Root only (77 = skipped without it).
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/capability.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "probe/caps.hpp"
#include "probe/exec_caps.hpp"
#include "probe/proc_parse.hpp"

namespace {

struct Case {
  uint32_t securebits = 0;
  uint64_t drop_bounding = 0, permitted = 0, effective = 0, inheritable = 0, ambient = 0;
  bool nnp = false;
  uint32_t gid[3] = {}, uid[3] = {};
  uint32_t file_mode = 0755, file_uid = 0, file_gid = 0;
  int fcaps_rev = 0;  // 0 none, 2, 3
  uint32_t f_permitted = 0, f_inheritable = 0;  // low 32 bits are enough here
  bool f_effective = false;
  uint32_t rootid = 0;
  bool nosuid = false;
};

constexpr uint64_t kSetuid = uint64_t{1} << CAP_SETUID, kSetgid = uint64_t{1} << CAP_SETGID,
                   kSetpcap = uint64_t{1} << CAP_SETPCAP;

// What this process may hand out: its own bounding set (a container may
// have dropped some capabilities already).
uint64_t own_bounding() {
  std::ifstream f("/proc/self/status");
  std::string text(std::istreambuf_iterator<char>(f), {});
  auto st = probe::parse_status(text);
  return st ? st->caps.bounding & st->caps.permitted : 0;
}

Case random_case(std::mt19937_64& rng, uint64_t all) {
  auto pick = [&](std::initializer_list<uint32_t> v) { return *(v.begin() + rng() % v.size()); };
  auto bits = [&](uint64_t mask) {  // a few random capabilities from mask
    uint64_t out = 0;
    for (int i = 0; i < 6; ++i) out |= uint64_t{1} << (rng() % 41);
    return out & mask;
  };
  Case c;
  c.securebits = static_cast<uint32_t>(rng() % 2 ? 0 : pick({probe::kSecbitNoroot, probe::kSecbitKeepCaps,
      probe::kSecbitNoSetuidFixup, probe::kSecbitNoroot | probe::kSecbitKeepCaps}));
  c.drop_bounding = rng() % 3 == 0 ? bits(all) & ~(kSetuid | kSetgid | kSetpcap) : 0;
  uint64_t bset = all & ~c.drop_bounding;
  c.permitted = rng() % 4 == 0 ? all : (bits(all) | bits(all) | (uint64_t{1} << CAP_DAC_READ_SEARCH));
  c.permitted |= kSetuid | kSetgid;
  c.effective = (rng() % 2 ? c.permitted : bits(c.permitted)) | kSetuid | kSetgid;
  c.inheritable = rng() % 2 ? bits(bset) : 0;
  c.ambient = rng() % 2 ? (c.permitted & c.inheritable) & bits(all | bits(all)) : 0;
  if (rng() % 3 == 0) c.ambient = c.permitted & c.inheritable;
  c.nnp = rng() % 4 == 0;
  for (auto& g : c.gid) g = pick({0, 1000, 2000});
  for (auto& u : c.uid) u = pick({0, 0, 1000, 2000});
  c.file_mode = 0755 | (rng() % 4 == 0 ? S_ISUID : 0) | (rng() % 5 == 0 ? S_ISGID : 0);
  c.file_uid = pick({0, 1000, 3000});
  c.file_gid = pick({0, 1000, 3000});
  c.fcaps_rev = static_cast<int>(pick({0, 0, 2, 2, 3}));
  c.f_permitted = static_cast<uint32_t>(bits(0xffffffffULL));
  c.f_inheritable = static_cast<uint32_t>(rng() % 2 ? bits(0xffffffffULL) : 0);
  c.f_effective = rng() % 2;
  c.rootid = pick({0, 0, 1000});
  c.nosuid = rng() % 5 == 0;
  return c;
}

std::string describe(const Case& c) {
  std::ostringstream o;
  o << std::hex << "securebits=" << c.securebits << " drop_bset=" << c.drop_bounding << " P=" << c.permitted
    << " E=" << c.effective << " I=" << c.inheritable << " A=" << c.ambient << std::dec << " nnp=" << c.nnp
    << " gid=" << c.gid[0] << "," << c.gid[1] << "," << c.gid[2] << " uid=" << c.uid[0] << "," << c.uid[1] << ","
    << c.uid[2] << " file=" << std::oct << c.file_mode << std::dec << " " << c.file_uid << ":" << c.file_gid
    << " fcaps_rev=" << c.fcaps_rev << std::hex << " fP=" << c.f_permitted << " fI=" << c.f_inheritable << std::dec
    << " fE=" << c.f_effective << " rootid=" << c.rootid << " nosuid=" << c.nosuid;
  return o.str();
}

std::vector<uint8_t> fcaps_xattr(const Case& c) {
  std::vector<uint8_t> x;
  auto put = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) x.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put((c.fcaps_rev == 3 ? 0x03000000U : 0x02000000U) | (c.f_effective ? 1U : 0U));
  put(c.f_permitted);
  put(c.f_inheritable);
  put(0);
  put(0);
  if (c.fcaps_rev == 3) put(c.rootid);
  return x;
}

probe::Creds creds_of(const probe::StatusFields& st, uint32_t securebits, bool nnp) {
  probe::Creds c;
  c.uid = st.uid;
  c.gid = st.gid;
  c.caps = st.caps;
  c.groups = st.groups;
  c.securebits = securebits;
  c.no_new_privs = nnp;
  return c;
}

[[noreturn]] void die(int fd, const char* what) {
  dprintf(fd, "SETUP %s: %s\n", what, strerror(errno));
  _exit(99);
}

int capset_all(uint64_t e, uint64_t p, uint64_t i) {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2] = {};
  d[0] = {static_cast<uint32_t>(e), static_cast<uint32_t>(p), static_cast<uint32_t>(i)};
  d[1] = {static_cast<uint32_t>(e >> 32), static_cast<uint32_t>(p >> 32), static_cast<uint32_t>(i >> 32)};
  return static_cast<int>(syscall(SYS_capset, &h, d));
}

// The child: set up, report the pre-exec state on fd 4 ("PRE" + status),
// then exec; the exec'd program writes its status to fd 3. An exec error
// is reported as "EXECERR n" on fd 4.
[[noreturn]] void child(const Case& c, const std::string& bin, int out3, int out4) {
  if (dup2(out3, 3) < 0 || dup2(out4, 4) < 0) _exit(98);
  if (prctl(PR_SET_SECUREBITS, c.securebits) != 0) die(4, "securebits");
  for (int cap = 0; cap <= probe::last_cap(); ++cap)
    if (probe::has_cap(c.drop_bounding, cap) && prctl(PR_CAPBSET_DROP, cap) != 0) die(4, "bset");
  if (capset_all(c.effective, c.permitted, c.inheritable) != 0) die(4, "capset");
  for (int cap = 0; cap <= probe::last_cap(); ++cap)
    if (probe::has_cap(c.ambient, cap) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) die(4, "ambient");
  if (c.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(4, "nnp");
  if (setgroups(0, nullptr) != 0) die(4, "setgroups");
  std::string pre;
  {
    std::ifstream f("/proc/self/status");
    pre.assign(std::istreambuf_iterator<char>(f), {});
  }
  dprintf(4, "BEFORE\n%s\nEND\n", pre.c_str());
  if (setresgid(c.gid[0], c.gid[1], c.gid[2]) != 0) die(4, "setresgid");
  if (setresuid(c.uid[0], c.uid[1], c.uid[2]) != 0) die(4, "setresuid");
  {
    std::ifstream f("/proc/self/status");
    pre.assign(std::istreambuf_iterator<char>(f), {});
  }
  dprintf(4, "AFTER\n%s\nEND\n", pre.c_str());
  char* argv[] = {const_cast<char*>(bin.c_str()), nullptr};
  char* envp[] = {nullptr};
  execve(bin.c_str(), argv, envp);
  dprintf(4, "EXECERR %d\n", errno);
  _exit(0);
}

std::string read_all(int fd) {
  std::string s;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
  return s;
}

std::string section(const std::string& text, const std::string& name) {
  auto b = text.find(name + "\n");
  if (b == std::string::npos) return {};
  b += name.size() + 1;
  return text.substr(b, text.find("\nEND\n", b) - b);
}

std::string show(const probe::Creds& c) {
  char buf[512];
  snprintf(buf, sizeof buf, "uid %u %u %u %u gid %u %u %u %u I %llx P %llx E %llx B %llx A %llx", c.uid.real,
           c.uid.effective, c.uid.saved, c.uid.fs, c.gid.real, c.gid.effective, c.gid.saved, c.gid.fs,
           (unsigned long long)c.caps.inheritable, (unsigned long long)c.caps.permitted,
           (unsigned long long)c.caps.effective, (unsigned long long)c.caps.bounding,
           (unsigned long long)c.caps.ambient);
  return buf;
}

bool same(const probe::Creds& a, const probe::Creds& b) {
  return a.uid == b.uid && a.gid == b.gid && a.caps == b.caps;
}

}  // namespace

int main(int argc, char** argv) {
  int cases = 400;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--cases") cases = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--seed") seed = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  if (geteuid() != 0) {
    std::puts("SKIP: needs root (set-id bits, file capabilities, setresuid)");
    return 77;
  }
  std::string helper = std::string(argv[0]);
  helper = helper.substr(0, helper.rfind('/') + 1) + "report_creds";
  // Two private tmpfs mounts, one nosuid, in our own mount namespace.
  if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    std::perror("unshare/mount");
    return 1;
  }
  char dir[] = "/tmp/cfgprobe-execcaps-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 1;
  std::string suid_dir = std::string(dir) + "/suid", nosuid_dir = std::string(dir) + "/nosuid";
  mkdir(suid_dir.c_str(), 0755);
  mkdir(nosuid_dir.c_str(), 0755);
  chmod(dir, 0755);
  if (mount("t", suid_dir.c_str(), "tmpfs", 0, "mode=0755") != 0 ||
      mount("t", nosuid_dir.c_str(), "tmpfs", MS_NOSUID, "mode=0755") != 0) {
    std::perror("mount tmpfs");
    return 1;
  }
  std::string image;
  {
    std::ifstream f(helper, std::ios::binary);
    image.assign(std::istreambuf_iterator<char>(f), {});
  }
  if (image.empty()) {
    std::fprintf(stderr, "cannot read %s\n", helper.c_str());
    return 1;
  }
  std::mt19937_64 rng(seed);
  const uint64_t all = own_bounding();
  const probe::SetidRule rule = probe::running_setid_rule();
  int mismatches = 0, exec_errors = 0, compared = 0;
  for (int i = 0; i < cases; ++i) {
    Case c = random_case(rng, all);
    std::string bin = (c.nosuid ? nosuid_dir : suid_dir) + "/bin" + std::to_string(i);
    {
      int fd = open(bin.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
      if (fd < 0 || write(fd, image.data(), image.size()) != static_cast<ssize_t>(image.size())) return 1;
      close(fd);
    }
    if (chown(bin.c_str(), c.file_uid, c.file_gid) != 0 || chmod(bin.c_str(), c.file_mode) != 0) return 1;
    std::optional<probe::FileCaps> fcaps;
    if (c.fcaps_rev != 0) {
      auto x = fcaps_xattr(c);
      if (setxattr(bin.c_str(), "security.capability", x.data(), x.size(), 0) != 0) {
        std::perror("setxattr security.capability");
        return 1;
      }
      auto parsed = probe::parse_file_caps(x);
      if (!parsed) return 1;
      fcaps = *parsed;
    }
    int p3[2], p4[2];
    if (pipe2(p3, O_CLOEXEC) != 0 || pipe2(p4, O_CLOEXEC) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) child(c, bin, p3[1], p4[1]);
    close(p3[1]);
    close(p4[1]);
    std::string out4 = read_all(p4[0]);
    std::string out3 = read_all(p3[0]);
    close(p3[0]);
    close(p4[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    unlink(bin.c_str());
    if (out4.rfind("SETUP", 0) == 0) {
      std::printf("case %d: setup failed (%s): %s\n", i, out4.c_str(), describe(c).c_str());
      ++mismatches;
      continue;
    }
    auto before = probe::parse_status(section(out4, "BEFORE"));
    auto after = probe::parse_status(section(out4, "AFTER"));
    if (!before || !after) {
      std::printf("case %d: cannot parse child status\n", i);
      ++mismatches;
      continue;
    }
    // setresgid, setresuid
    probe::Creds old = creds_of(*before, c.securebits, c.nnp);
    probe::Creds m1 = probe::after_setresuid(probe::after_setresgid(old, c.gid[0], c.gid[1], c.gid[2]),
                                             c.uid[0], c.uid[1], c.uid[2]);
    probe::Creds k1 = creds_of(*after, c.securebits, c.nnp);
    ++compared;
    if (!same(m1, k1)) {
      std::printf("case %d setresuid MISMATCH: %s\n  model  %s\n  kernel %s\n", i, describe(c).c_str(),
                  show(m1).c_str(), show(k1).c_str());
      ++mismatches;
      continue;
    }
    // execve
    probe::ExecResult m2 = probe::after_execve(k1, {c.file_mode, c.file_uid, c.file_gid, fcaps, c.nosuid}, rule);
    int kerr = 0;
    if (auto e = out4.find("EXECERR "); e != std::string::npos) kerr = std::atoi(out4.c_str() + e + 8);
    ++compared;
    if (kerr != 0 || m2.err != 0) {
      ++exec_errors;
      if (kerr != m2.err) {
        std::printf("case %d exec errno MISMATCH: model %d kernel %d: %s\n", i, m2.err, kerr, describe(c).c_str());
        ++mismatches;
      }
      continue;
    }
    auto post = probe::parse_status(out3);
    if (!post) {
      std::printf("case %d: exec'd program reported nothing (%s)\n", i, describe(c).c_str());
      ++mismatches;
      continue;
    }
    probe::Creds k2 = creds_of(*post, 0, false);
    if (!same(m2.creds, k2)) {
      std::printf("case %d execve MISMATCH: %s\n  model  %s\n  kernel %s\n", i, describe(c).c_str(),
                  show(m2.creds).c_str(), show(k2).c_str());
      ++mismatches;
    }
  }
  umount2(suid_dir.c_str(), MNT_DETACH);
  umount2(nosuid_dir.c_str(), MNT_DETACH);
  rmdir(suid_dir.c_str());
  rmdir(nosuid_dir.c_str());
  rmdir(dir);
  std::printf("%d cases, %d comparisons (%d exec errors), %d mismatches (seed %u)\n", cases, compared, exec_errors,
              mismatches, seed);
  return mismatches == 0 && compared >= cases ? 0 : 1;
}
