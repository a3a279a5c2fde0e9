// gather for the SELinux layer: the subject's context, the kernel's own
// decisions (kept tiny: everything it answers goes through SelinuxOracle),
// the policy and file_contexts to load, the mode.
#include <fcntl.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "probe/selinux.hpp"
#include "probe/subject.hpp"
#include "sysio.hpp"

extern "C" {
#include <sepol/policydb/policydb.h>  // POLICYDB_VERSION_MAX
}

namespace probe {
namespace {

// security_compute_av_flags(3): the loaded policy decides, with the
// permissive-domain flag (security/selinux/ss/services.c:
// security_compute_av). It cannot name booleans, so it offers none.
class KernelOracle final : public SelinuxOracle {
 public:
  AvDecision decide(const std::string& scon, const std::string& tcon, const std::string& tclass,
                    const std::vector<std::string>& perms) override {
    AvDecision d;
    security_class_t cls = string_to_security_class(tclass.c_str());
    if (cls == 0) return bad(d, "the kernel's policy has no class " + tclass);
    std::vector<access_vector_t> bits;
    access_vector_t req = 0;
    for (const auto& p : perms) {
      bits.push_back(string_to_av_perm(cls, p.c_str()));
      if (bits.back() == 0) return bad(d, "class " + tclass + " has no permission " + p);
      req |= bits.back();
    }
    struct av_decision avd{};
    if (security_compute_av_flags(scon.c_str(), tcon.c_str(), cls, req, &avd) != 0)
      return bad(d, "the kernel rejects " + scon + " or " + tcon + ": " + Error{errno, ""}.message());
    for (size_t i = 0; i < perms.size(); ++i) {
      if ((avd.allowed & bits[i]) == bits[i]) continue;
      d.denied.push_back(perms[i]);
      if ((avd.auditdeny & bits[i]) == 0) d.hidden.push_back(perms[i]);
    }
    d.by_te = !d.denied.empty();  // the kernel does not say which part
    d.permissive_domain = (avd.flags & SELINUX_AVD_FLAGS_PERMISSIVE) != 0;
    return d;
  }
  std::vector<BooleanHint> booleans_allowing(const std::string&, const std::string&, const std::string&,
                                             const std::vector<std::string>&) override {
    return {};
  }
  std::optional<std::string> initial_context(std::string_view) override { return std::nullopt; }
  bool valid_context(const std::string& con) override { return security_check_context(con.c_str()) == 0; }

 private:
  static AvDecision bad(AvDecision& d, std::string why) {
    d.err = EINVAL;
    d.error = std::move(why);
    return d;
  }
};

class LabelDb final : public FileContexts {
 public:
  explicit LabelDb(selabel_handle* h) : h_(h) {}
  LabelDb(const LabelDb&) = delete;
  LabelDb& operator=(const LabelDb&) = delete;
  ~LabelDb() override { selabel_close(h_); }
  std::optional<std::string> lookup(const std::string& path, uint32_t mode) const override {
    char* con = nullptr;
    // ENOENT: no entry for the path (<<none>>): nothing to compare with.
    if (selabel_lookup(h_, &con, path.c_str(), static_cast<int>(mode)) != 0) return std::nullopt;
    std::string s(con);
    freecon(con);
    return s;
  }

 private:
  selabel_handle* h_;
};

// libselinux logs parse errors to stderr by default; libprobe never prints
// (the error comes back as a value). Process-wide, like libselinux's state.
int quiet_log(int, const char*, ...) { return 0; }

bool is_file(const std::string& p) {
  struct stat st{};
  return !p.empty() && ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The subject's context: attr/current beneath its pinned /proc dir. Only
// when SELinux is enabled: otherwise that file holds another LSM's label.
std::optional<std::string> read_current(const LiveSubject& live) {
  auto text = sysio::read_at(live.proc_dir.get(), "attr/current", 4096);
  if (!text) return std::nullopt;
  std::string s = *text;
  while (!s.empty() && (s.back() == '\0' || s.back() == '\n')) s.pop_back();
  if (s.empty()) return std::nullopt;
  return s;
}

// file_contexts beside the policy (POLICYTYPE/policy/policy.N ->
// POLICYTYPE/contexts/files/file_contexts), else the configured one.
std::string default_file_contexts(const std::string& policy) {
  size_t a = policy.rfind('/');
  size_t b = a == std::string::npos || a == 0 ? std::string::npos : policy.rfind('/', a - 1);
  if (b != std::string::npos) {
    std::string fc = policy.substr(0, b) + "/contexts/files/file_contexts";
    if (is_file(fc) || is_file(fc + ".bin")) return fc;
  }
  const char* conf = selinux_file_context_path();
  return conf != nullptr && (is_file(conf) || is_file(std::string(conf) + ".bin")) ? conf : "";
}

SelinuxMode configured_mode(std::string& source) {
  int mode = 1;
  source = "/etc/selinux/config";
  if (selinux_getenforcemode(&mode) != 0) {
    source = "default (no /etc/selinux/config)";
    return SelinuxMode::Enforcing;
  }
  // SELINUX=disabled: the question is still what the policy says.
  return mode == 0 ? SelinuxMode::Permissive : SelinuxMode::Enforcing;
}

// The kernel's active boolean values (/sys/fs/selinux/booleans/NAME, the
// second number: security/selinux/selinuxfs.c: sel_read_bool()).
Result<std::vector<std::pair<std::string, bool>>> kernel_booleans() {
  char** names = nullptr;
  int n = 0;
  if (security_get_boolean_names(&names, &n) != 0) return errno_error("reading the kernel's SELinux booleans");
  std::vector<std::pair<std::string, bool>> out;
  int err = 0;
  std::string bad;
  for (int i = 0; i < n && err == 0; ++i) {
    int v = security_get_boolean_active(names[i]);
    if (v < 0) {
      err = errno != 0 ? errno : EINVAL;
      bad = names[i];
    }
    out.emplace_back(names[i], v == 1);
  }
  for (int i = 0; i < n; ++i) std::free(names[i]);
  std::free(names);
  if (err != 0) return make_error(err, "reading the SELinux boolean " + bad);
  return out;
}

Result<void> load_oracle(SelinuxLayer& l, const SelinuxOptions& opt) {
  SelinuxFacts& f = l.facts;
  if (f.kernel_enabled && !opt.policy) {
    // The kernel decides; the loaded policy, read back, only explains.
    auto explainer = open_loaded_policy_oracle();
    if (explainer) {
      f.explain_policy = explainer->second;
      l.oracle = explained_oracle(kernel_oracle(), std::move(explainer->first));
    } else {
      f.explain_note = "no booleans, constraints or dontaudit rules named: " + explainer.error().message();
      l.oracle = kernel_oracle();
    }
    f.source = "kernel";
    f.mode = security_getenforce() == 1 ? SelinuxMode::Enforcing : SelinuxMode::Permissive;
    f.mode_source = "kernel";
    return {};
  }
  f.policy = opt.policy ? *opt.policy : default_policy_path();
  if (f.policy.empty()) return {};
  auto o = open_policy_oracle(f.policy);
  if (!o) return o.error();
  l.oracle = std::move(*o);
  f.source = "offline";
  f.mode = configured_mode(f.mode_source);
  return {};
}

Result<void> load_file_contexts(SelinuxLayer& l, const SelinuxOptions& opt) {
  std::string fc = opt.file_contexts ? *opt.file_contexts : default_file_contexts(l.facts.policy);
  if (fc.empty()) return {};
  auto db = open_file_contexts(fc);
  if (!db) return db.error();
  l.file_contexts = std::move(*db);
  l.facts.file_contexts = fc;
  return {};
}

}  // namespace

std::unique_ptr<SelinuxOracle> kernel_oracle() { return std::make_unique<KernelOracle>(); }

Result<std::unique_ptr<FileContexts>> open_file_contexts(const std::string& path) {
  if (!is_file(path) && !is_file(path + ".bin")) return make_error(ENOENT, "no file_contexts at " + path);
  selinux_set_callback(SELINUX_CB_LOG, selinux_callback{.func_log = quiet_log});
  selinux_opt opts[] = {{SELABEL_OPT_PATH, path.c_str()}};
  selabel_handle* h = selabel_open(SELABEL_CTX_FILE, opts, 1);
  if (h == nullptr) return errno_error("selabel_open " + path + ": not a file_contexts file");
  return std::unique_ptr<FileContexts>(std::make_unique<LabelDb>(h));
}

std::string default_policy_path() {
  const char* base = selinux_binary_policy_path();
  if (base == nullptr) return "";
  for (int v = POLICYDB_VERSION_MAX; v >= POLICYDB_VERSION_MIN; --v) {
    std::string p = std::string(base) + "." + std::to_string(v);
    if (is_file(p)) return p;
  }
  return "";
}

Result<std::pair<std::unique_ptr<SelinuxOracle>, std::string>> open_loaded_policy_oracle() {
  auto bools = kernel_booleans();
  if (!bools) return bools.error();
  const std::string loaded = "/sys/fs/selinux/policy";
  auto o = open_policy_oracle(loaded, *bools);
  if (o) return std::make_pair(std::move(*o), loaded);
  std::string file = default_policy_path();
  if (file.empty()) return o.error();
  auto f = open_policy_oracle(file, *bools);
  if (!f) return make_error(o.error().code, o.error().message() + "; " + f.error().message());
  return std::make_pair(std::move(*f), file);
}

Result<std::shared_ptr<SelinuxLayer>> open_selinux_layer(const SelinuxOptions& opt, const LiveSubject* live) {
  auto l = std::make_shared<SelinuxLayer>();
  SelinuxFacts& f = l->facts;
  f.kernel_enabled = is_selinux_enabled() == 1;
  if (opt.context) {
    if (auto ok = check_context_syntax(*opt.context); !ok) return ok.error();
    f.context = *opt.context;
    f.context_source = "--context";
  } else if (live != nullptr && f.kernel_enabled) {
    f.context = read_current(*live).value_or("");
    f.context_source = "/proc/" + std::to_string(live->subject.pid.value_or(0)) + "/attr/current";
  }
  if (f.context.empty()) {
    f.note = f.kernel_enabled ? "no SELinux context for this subject: give --context CTX"
                              : "SELinux is not enabled here: give --context CTX to ask what the policy would say";
    return l;
  }
  if (auto ok = load_oracle(*l, opt); !ok) return ok.error();
  if (!l->oracle) {
    f.note = "SELinux is not enabled and no binary policy was found: give --selinux-policy FILE";
    return l;
  }
  if (!l->oracle->valid_context(f.context))
    return make_error(EINVAL, "the context " + f.context + " is not valid in the policy" +
                                  (f.policy.empty() ? std::string() : " " + f.policy));
  if (opt.mode) {
    f.mode = *opt.mode;
    f.mode_source = "--selinux-mode";
  }
  if (auto ok = load_file_contexts(*l, opt); !ok) return ok.error();
  if (f.kernel_enabled) {
    char* me = nullptr;
    if (getcon(&me) == 0 && me != nullptr) {
      f.inspector_context = me;
      freecon(me);
    }
  }
  f.evaluated = true;
  return l;
}

}  // namespace probe
