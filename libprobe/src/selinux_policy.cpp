// gather: the offline SelinuxOracle, libsepol's copy of the kernel's security
// server (libsepol/src/services.c: context_struct_compute_av mirrors
// security/selinux/ss/services.c) on a binary policy file. Linked against
// libsepol.a, as audit2why is: the services API on a policydb of our own
// (sepol_set_policydb/sepol_set_sidtab) and the boolean state are not in
// the shared library's exported symbols.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "probe/selinux.hpp"

extern "C" {
#include <sepol/debug.h>
#include <sepol/policydb/avtab.h>
#include <sepol/policydb/ebitmap.h>
#include <sepol/policydb/hashtab.h>
#include <sepol/policydb/policydb.h>
#include <sepol/policydb/services.h>
#include <sepol/policydb/sidtab.h>
// sepol/policydb/conditional.h is C only (a member is named 'bool').
int evaluate_conds(policydb_t* p);
}

namespace probe {
namespace {

constexpr uint32_t kPolicyMagic = 0xf97cff8c;  // SELINUX_MAGIC
// security/selinux/include/initial_sid_to_string.h: the numbers are fixed.
constexpr sepol_security_id_t kSidUnlabeled = 3, kSidFile = 5;

uint32_t le32(const std::string& b, size_t off) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[off + static_cast<size_t>(i)]);
  return v;
}

// The header (security/selinux/ss/policydb.c: policydb_read): magic,
// length-prefixed "SE Linux", version. Checked first so that "not a policy"
// and "a version libsepol cannot read" are told apart.
Result<void> check_header(const std::string& data, const std::string& path) {
  if (data.size() < 8 || le32(data, 0) != kPolicyMagic)
    return make_error(EINVAL, path + " is not a binary SELinux policy (no policydb magic)");
  uint32_t len = le32(data, 4);
  if (len > 64 || data.size() < 8 + len + 4 || data.compare(8, len, "SE Linux") != 0)
    return make_error(EINVAL, path + " is not a kernel SELinux policy (a policy module or a damaged file)");
  uint32_t version = le32(data, 8 + len);
  if (version < POLICYDB_VERSION_MIN || version > POLICYDB_VERSION_MAX)
    return make_error(EPROTONOSUPPORT, path + ": policy version " + std::to_string(version) +
                                           " cannot be read by this libsepol (versions " +
                                           std::to_string(POLICYDB_VERSION_MIN) + " to " +
                                           std::to_string(POLICYDB_VERSION_MAX) + ")");
  return {};
}

class PolicyOracle final : public SelinuxOracle {
 public:
  PolicyOracle() = default;
  PolicyOracle(const PolicyOracle&) = delete;
  PolicyOracle& operator=(const PolicyOracle&) = delete;
  ~PolicyOracle() override {
    if (sids_ready_) sepol_sidtab_destroy(&sids_);
    if (db_ready_) policydb_destroy(&db_);
  }

  Result<void> load(std::string& data, const std::string& path) {
    sepol_debug(0);  // libprobe never prints: errors come back as values
    if (policydb_init(&db_) != 0) return make_error(ENOMEM, "policydb_init");
    db_ready_ = true;
    policy_file_t pf;
    policy_file_init(&pf);
    pf.type = PF_USE_MEMORY;
    pf.data = data.data();
    pf.len = data.size();
    if (policydb_read(&db_, &pf, 0) != 0) return make_error(EINVAL, path + ": libsepol cannot read this policy");
    // policydb_load_isids() does sepol_sidtab_init() itself (a second
    // init here would leak the first table).
    int rc = policydb_load_isids(&db_, &sids_);
    sids_ready_ = sids_.htable != nullptr;
    if (rc != 0) return make_error(EINVAL, path + ": bad initial SIDs");
    activate();
    evaluate_conds(&db_);  // booleans at the values stored in the file
    return {};
  }

  // security/selinux/ss/services.c: security_set_bools() sets each
  // boolean's state, then evaluate_cond_nodes() re-enables the rules.
  Result<void> set_booleans(const std::vector<std::pair<std::string, bool>>& values) {
    for (const auto& [name, value] : values) {
      auto* b = static_cast<cond_bool_datum_t*>(hashtab_search(db_.p_bools.table, const_cast<char*>(name.c_str())));
      if (b == nullptr) return make_error(ENOENT, "the policy has no boolean " + name);
      b->state = value ? 1 : 0;
    }
    activate();
    evaluate_conds(&db_);
    return {};
  }

  AvDecision decide(const std::string& scon, const std::string& tcon, const std::string& tclass,
                    const std::vector<std::string>& perms) override {
    activate();
    AvDecision d;
    Query q = query(scon, tcon, tclass, perms, d);
    if (d.err != 0) return d;
    sepol_av_decision avd{};
    unsigned reason = 0;
    char* buf = nullptr;
    if (sepol_compute_av_reason_buffer(q.ssid, q.tsid, q.cls, q.req, &avd, &reason, &buf, 0) != 0) {
      d.err = EINVAL;
      d.error = "libsepol could not compute the decision";
      return d;
    }
    if (buf != nullptr) {
      d.constraint = trim(buf);
      std::free(buf);
    }
    for (size_t i = 0; i < perms.size(); ++i) {
      if ((avd.allowed & q.bits[i]) == q.bits[i]) continue;
      d.denied.push_back(perms[i]);
      if ((avd.auditdeny & q.bits[i]) == 0) d.hidden.push_back(perms[i]);
    }
    d.by_te = (reason & SEPOL_COMPUTEAV_TE) != 0;
    d.by_constraint = (reason & SEPOL_COMPUTEAV_CONS) != 0;
    d.by_rbac = (reason & SEPOL_COMPUTEAV_RBAC) != 0;
    d.by_bounds = (reason & SEPOL_COMPUTEAV_BOUNDS) != 0;
    if (!d.by_constraint) d.constraint.clear();
    uint32_t stype = type_value(context_type(scon));
    // security/selinux/ss/services.c: context_struct_compute_av() sets
    // AVD_FLAGS_PERMISSIVE from policydb->permissive_map.
    d.permissive_domain = stype != 0 && ebitmap_get_bit(&db_.permissive_map, stype) != 0;
    return d;
  }

  std::vector<BooleanHint> booleans_allowing(const std::string& scon, const std::string& tcon,
                                             const std::string& tclass,
                                             const std::vector<std::string>& perms) override {
    activate();
    AvDecision d;
    Query q = query(scon, tcon, tclass, perms, d);
    std::vector<BooleanHint> out;
    if (d.err != 0 || !conditional_rule_exists(q, scon, tcon)) return out;
    for (uint32_t b = 1; b <= db_.p_bools.nprim; ++b) {
      flip(b);
      bool helps = allows(q);
      flip(b);
      if (!helps) continue;
      auto before = enabled_snapshot();  // only for the few that help
      flip(b);
      out.push_back(hint(b, before));
      flip(b);
    }
    return out;
  }

  std::optional<std::string> initial_context(std::string_view sid_name) override {
    activate();
    sepol_security_id_t sid = sid_name == "file" ? kSidFile : sid_name == "unlabeled" ? kSidUnlabeled : 0;
    char* con = nullptr;
    size_t len = 0;
    if (sid == 0 || sepol_sid_to_context(sid, &con, &len) != 0 || con == nullptr) return std::nullopt;
    std::string s(con, strnlen(con, len));
    std::free(con);
    return s;
  }

  bool valid_context(const std::string& con) override {
    activate();
    sepol_security_id_t sid = 0;
    return sepol_context_to_sid(con.c_str(), con.size() + 1, &sid) == 0;
  }

 private:
  struct Query {
    sepol_security_id_t ssid = 0, tsid = 0;
    sepol_security_class_t cls = 0;
    sepol_access_vector_t req = 0;
    std::vector<sepol_access_vector_t> bits;
  };

  // libsepol's services work on one global policydb and sidtab.
  void activate() {
    sepol_set_policydb(&db_);
    sepol_set_sidtab(&sids_);
  }

  static std::string trim(const char* s) {
    std::string t(s);
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    return t;
  }

  Query query(const std::string& scon, const std::string& tcon, const std::string& tclass,
              const std::vector<std::string>& perms, AvDecision& d) {
    Query q;
    auto bad = [&](std::string why) {
      d.err = EINVAL;
      d.error = std::move(why);
      return q;
    };
    if (sepol_context_to_sid(scon.c_str(), scon.size() + 1, &q.ssid) != 0)
      return bad("the subject context " + scon + " is not valid in the policy");
    if (sepol_context_to_sid(tcon.c_str(), tcon.size() + 1, &q.tsid) != 0)
      return bad("the label " + tcon + " is not valid in the policy");
    if (sepol_string_to_security_class(tclass.c_str(), &q.cls) != 0)
      return bad("the policy has no class " + tclass);
    for (const auto& p : perms) {
      sepol_access_vector_t av = 0;
      if (sepol_string_to_av_perm(q.cls, p.c_str(), &av) != 0) return bad("class " + tclass + " has no permission " + p);
      q.bits.push_back(av);
      q.req |= av;
    }
    return q;
  }

  uint32_t type_value(const std::string& name) {
    auto* t = static_cast<type_datum_t*>(hashtab_search(db_.p_types.table, const_cast<char*>(name.c_str())));
    return t == nullptr ? 0 : t->s.value;
  }

  bool allows(const Query& q) {
    sepol_av_decision avd{};
    if (sepol_compute_av(q.ssid, q.tsid, q.cls, q.req, &avd) != 0) return false;
    return (avd.allowed & q.req) == q.req;
  }

  // Is there any conditional allow rule (through the types' attributes)
  // for this source, target and class that grants one of the permissions?
  // Without one no boolean can help, and the flips are skipped.
  bool conditional_rule_exists(const Query& q, const std::string& scon, const std::string& tcon) {
    uint32_t s = type_value(context_type(scon)), t = type_value(context_type(tcon));
    if (s == 0 || t == 0) return false;
    ebitmap_node_t *sn = nullptr, *tn = nullptr;
    unsigned int i = 0, j = 0;
    ebitmap_for_each_positive_bit(&db_.type_attr_map[s - 1], sn, i) {
      ebitmap_for_each_positive_bit(&db_.type_attr_map[t - 1], tn, j) {
        avtab_key_t key{static_cast<uint16_t>(i + 1), static_cast<uint16_t>(j + 1), static_cast<uint16_t>(q.cls),
                        AVTAB_ALLOWED};
        for (avtab_ptr_t n = avtab_search_node(&db_.te_cond_avtab, &key); n != nullptr;
             n = avtab_search_node_next(n, AVTAB_ALLOWED))
          if ((n->datum.data & q.req) != 0) return true;
      }
    }
    return false;
  }

  void flip(uint32_t b) {
    db_.bool_val_to_struct[b - 1]->state = !db_.bool_val_to_struct[b - 1]->state;
    evaluate_conds(&db_);
  }

  // The conditional allow rules enabled now, in the table's order.
  std::vector<bool> enabled_snapshot() {
    std::vector<bool> v;
    for_each_cond_allow([&](avtab_ptr_t n) { v.push_back((n->key.specified & AVTAB_ENABLED) != 0); });
    return v;
  }

  template <class F>
  void for_each_cond_allow(F f) {
    avtab_t& tab = db_.te_cond_avtab;
    for (uint32_t i = 0; tab.htable != nullptr && i < tab.nslot; ++i)
      for (avtab_ptr_t n = tab.htable[i]; n != nullptr; n = n->next)
        if (n->key.specified & AVTAB_ALLOWED) f(n);
  }

  // What the flip (already applied) turns on beside the asked-for access.
  BooleanHint hint(uint32_t b, const std::vector<bool>& before) {
    BooleanHint h{db_.p_bool_val_to_name[b - 1], db_.bool_val_to_struct[b - 1]->state != 0, 0, {}};
    size_t k = 0;
    for_each_cond_allow([&](avtab_ptr_t n) {
      bool was = k < before.size() && before[k];
      ++k;
      if (was || (n->key.specified & AVTAB_ENABLED) == 0) return;
      ++h.opens;
      if (h.examples.size() < 4)
        h.examples.push_back(std::string(db_.p_type_val_to_name[n->key.source_type - 1]) + " " +
                             db_.p_type_val_to_name[n->key.target_type - 1] + ":" +
                             db_.p_class_val_to_name[n->key.target_class - 1]);
    });
    return h;
  }

  policydb_t db_{};
  sidtab_t sids_{};
  bool db_ready_ = false, sids_ready_ = false;
};

// A kernel policy is a few MB; the whole file is read at once, to its end
// (/sys/fs/selinux/policy is a snapshot taken at open: sel_open_policy()).
Result<std::string> read_whole(const std::string& path) {
  constexpr size_t kMax = size_t{1} << 30;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return errno_error("cannot read the policy " + path);
  struct stat st{};
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
                 static_cast<size_t>(st.st_size) < kMax;
  std::string data;
  if (regular) data.resize(std::max<size_t>(static_cast<size_t>(st.st_size), 1 << 16));
  size_t got = 0;
  int err = 0;
  while (regular) {
    if (got == data.size()) {
      if (data.size() >= kMax) {
        regular = false;
        break;
      }
      data.resize(std::min(kMax, data.size() * 2));
    }
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (!regular) return make_error(EINVAL, path + " is not a regular file (or larger than 1 GiB)");
  if (err != 0) return make_error(err, "reading the policy " + path);
  data.resize(got);
  return data;
}

}  // namespace

Result<std::unique_ptr<SelinuxOracle>> open_policy_oracle(const std::string& path) {
  return open_policy_oracle(path, {});
}

Result<std::unique_ptr<SelinuxOracle>> open_policy_oracle(const std::string& path,
                                                          const std::vector<std::pair<std::string, bool>>& booleans) {
  auto data = read_whole(path);
  if (!data) return data.error();
  if (auto h = check_header(*data, path); !h) return h.error();
  auto oracle = std::make_unique<PolicyOracle>();
  if (auto ok = oracle->load(*data, path); !ok) return ok.error();
  if (auto ok = oracle->set_booleans(booleans); !ok) return ok.error().with(path);
  return std::unique_ptr<SelinuxOracle>(std::move(oracle));
}

}  // namespace probe
