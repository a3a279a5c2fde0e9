// gather for AppArmor: the subject's label from /proc, the profiles' modes,
// and the kernel oracle (aa_query_label). Never judges.
#include <fcntl.h>
#include <sys/apparmor.h>

#include <cerrno>
#include <cstring>

#include "probe/apparmor.hpp"
#include "probe/subject.hpp"
#include "sysio.hpp"

namespace probe {
namespace {

constexpr const char* kProfilesList = "/sys/kernel/security/apparmor/profiles";

// Is AppArmor an active LSM? /sys/kernel/security/lsm lists them
// (security/security.c: lsm_read); without securityfs mounted, the module
// parameter says whether it is enabled (security/apparmor/lsm.c: apparmor_enabled).
bool apparmor_active() {
  if (auto lsm = sysio::read_at(AT_FDCWD, "/sys/kernel/security/lsm", 4096)) {
    std::string_view l = *lsm;
    for (size_t pos = 0; pos <= l.size();) {
      size_t comma = l.find(',', pos);
      if (l.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos) == "apparmor")
        return true;
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    return false;
  }
  auto en = sysio::read_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 16);
  return en && !en->empty() && (*en)[0] == 'Y';
}

// Fills profiles/state from the label text; modes the label leaves open
// come from the loaded profiles list.
void fill_from_label(ApparmorFacts& f) {
  auto parsed = parse_apparmor_label(f.label);
  if (!parsed) {
    f.state = AaState::Unreadable;
    f.note = "the label read from " + f.label_source + " is not an AppArmor label: " + parsed.error().context;
    return;
  }
  f.state = parsed->unconfined ? AaState::Unconfined : AaState::Confined;
  f.profiles = std::move(parsed->profiles);
  bool open = false;
  for (const auto& p : f.profiles) open = open || p.mode == AaMode::Unknown;
  if (!open) return;
  if (auto list = sysio::read_at(AT_FDCWD, kProfilesList)) {
    resolve_apparmor_modes(f.profiles, *list);
  } else {
    f.note = "the profiles' modes are not in the label and " + std::string(kProfilesList) +
             " could not be read: " + list.error().message();
  }
}

class KernelOracle final : public ApparmorOracle {
 public:
  AaAnswer query_file(const std::string& profile, const std::string& path, uint32_t mask) override {
    // aa_query_label(2): the query starts with AA_QUERY_CMD_LABEL_SIZE
    // bytes the library fills in, then "label\0", the class byte, the path
    // (security/apparmor/apparmorfs.c: query_label, profile_query_cb).
    std::string q(AA_QUERY_CMD_LABEL_SIZE, '\0');
    q += profile;
    q += '\0';
    q += static_cast<char>(AA_CLASS_FILE);
    q += path;
    AaAnswer a;
    int allowed = 0, audited = 0;
    errno = 0;
    if (aa_query_label(mask, q.data(), q.size(), &allowed, &audited) != 0) {
      a.err = errno != 0 ? errno : EIO;
      a.error = std::string("aa_query_label: ") + std::strerror(a.err);
      return a;
    }
    a.allowed = allowed != 0;
    a.audited = audited != 0;
    return a;
  }
};

}  // namespace

ApparmorFacts gather_apparmor(const LiveSubject& live) {
  ApparmorFacts f;
  if (!apparmor_active()) return f;
  std::string dir = "/proc/" + (live.subject.pid ? std::to_string(*live.subject.pid) : std::string("self")) + "/";
  f.label_source = dir + "attr/apparmor/current";
  auto label = sysio::read_at(live.proc_dir.get(), "attr/apparmor/current", 4096);
  if (!label && label.error().code == ENOENT) {  // before Linux 5.8: no per-LSM directory
    f.label_source = dir + "attr/current";
    label = sysio::read_at(live.proc_dir.get(), "attr/current", 4096);
  }
  if (!label) {
    f.state = AaState::Unreadable;
    f.note = "cannot read " + f.label_source + ": " + label.error().message();
    return f;
  }
  f.label = *label;
  while (!f.label.empty() && (f.label.back() == '\n' || f.label.back() == '\0')) f.label.pop_back();
  fill_from_label(f);
  return f;
}

ApparmorFacts apparmor_facts_for_profile(const std::string& name) {
  ApparmorFacts f;
  f.label = name;
  f.label_source = "--apparmor-profile";
  if (!apparmor_active()) {
    f.state = AaState::Unreadable;
    f.note = "AppArmor is not enabled on this kernel: profile \"" + name + "\" cannot be asked about";
    return f;
  }
  fill_from_label(f);
  return f;
}

std::unique_ptr<ApparmorOracle> kernel_apparmor_oracle() { return std::make_unique<KernelOracle>(); }

std::shared_ptr<const ApparmorLayer> open_apparmor_layer(const LiveSubject* live,
                                                         const std::optional<std::string>& profile) {
  if (live == nullptr && !profile) return nullptr;
  auto layer = std::make_shared<ApparmorLayer>();
  layer->facts = profile ? apparmor_facts_for_profile(*profile) : gather_apparmor(*live);
  layer->oracle = kernel_apparmor_oracle();
  return layer;
}

}  // namespace probe
