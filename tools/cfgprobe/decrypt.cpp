// cfgprobe decrypt --key DESC [--keyring R] [--passphrase-key DESC]
//                  [--wait DURATION] [-o FILE] [--force] FILE
// The age identity (or passphrase) is the payload of a user key in the
// kernel keyring. Nothing is released unless the whole file authenticated.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "cli.hpp"
#include "probe/age.hpp"
#include "probe/keyring.hpp"
#include "probe/release.hpp"
#include "probe/render.hpp"
#include "wait.hpp"

namespace cfgprobe {
namespace {

struct DecryptArgs {
  std::string key, keyring, passphrase_key, wait, output, file;
  bool force = false;
};

std::vector<std::string> key_descs(const DecryptArgs& a) {
  std::vector<std::string> d;
  if (!a.key.empty()) d.push_back(a.key);
  if (!a.passphrase_key.empty()) d.push_back(a.passphrase_key);
  return d;
}

// A KEY- finding in age's manner: the error, then each fix as a hint.
int print_finding(const probe::Finding& f) {
  fail(kExitDenied, f.id + ": " + f.explanation);
  for (size_t i = 0; i < f.fixes.size(); ++i)
    std::cerr << "hint: " << (i == 0 ? "" : "or ") << probe::escape_for_terminal(f.fixes[i].command) << "   ("
              << probe::escape_for_terminal(f.fixes[i].note) << ")\n";
  std::cerr << "hint: cfgprobe explain " << f.id << "\n";
  return kExitDenied;
}

// The keyring probe for one key that could not be had: its findings.
int explain_missing_key(const std::string& desc, const std::string& ring, const probe::Error& e) {
  auto facts = probe::gather_keyring_self({desc}, ring);
  auto self = probe::gather_self();
  probe::Subject s = self ? self->subject : probe::Subject{};
  auto findings = probe::explain_keyring(s, facts, nullptr);
  int rc = -1;
  for (const auto& f : findings)
    if (f.severity == probe::Severity::Error && rc < 0) rc = print_finding(f);
  if (rc >= 0) return rc;
  return fail(kExitDenied, "key " + quoted(desc) + ": " + e.message(), "cfgprobe inspect self --key " + quoted(desc));
}

// The key's payload in secure memory, or the exit status after the report.
std::variant<probe::Secret, int> load_key(const std::string& desc, const std::string& ring) {
  auto id = probe::find_key(desc, ring);
  if (!id) return explain_missing_key(desc, ring, id.error());
  auto payload = probe::read_key_payload(*id);
  if (!payload) return explain_missing_key(desc, ring, payload.error());
  return std::move(*payload);
}

// Identities from --key (age-keygen text) and --passphrase-key.
std::variant<std::vector<probe::age::Identity>, int> load_identities(const DecryptArgs& a) {
  std::vector<probe::age::Identity> ids;
  if (!a.key.empty()) {
    auto payload = load_key(a.key, a.keyring);
    if (auto* rc = std::get_if<int>(&payload)) return *rc;
    auto parsed = probe::age::parse_identities(std::get<probe::Secret>(payload).view());
    if (auto* f = std::get_if<probe::age::Failure>(&parsed))
      return fail(kExitDecrypt, "key " + quoted(a.key) + ": " + f->message, f->hint);
    for (auto& i : std::get<0>(parsed)) ids.push_back(std::move(i));
  }
  if (!a.passphrase_key.empty()) {
    auto payload = load_key(a.passphrase_key, a.keyring);
    if (auto* rc = std::get_if<int>(&payload)) return *rc;
    std::string_view pass = std::get<probe::Secret>(payload).view();
    // `echo pass | keyctl padd` stores the newline too; it is not the passphrase's.
    if (!pass.empty() && pass.back() == '\n') pass.remove_suffix(1);
    ids.push_back(probe::age::passphrase_identity(pass));
  }
  return ids;
}

int decrypt_failure(const DecryptArgs& a, const probe::age::Failure& f) {
  std::string msg = probe::age::message_for(f, quoted(!a.key.empty() ? a.key : a.passphrase_key));
  return fail(kExitDecrypt, msg, f.hint.empty() ? "cfgprobe explain " + f.id : f.hint);
}

int release(const DecryptArgs& a, const probe::age::Decrypted& d) {
  if (a.output.empty()) {
    auto r = probe::release_to_fd(d.plaintext.get(), d.size, STDOUT_FILENO);
    return r ? kExitOk : fail(kExitDenied, r.error().message());
  }
  auto r = probe::release_to_file(d.plaintext.get(), d.size, a.output, {0600, std::nullopt, std::nullopt, a.force});
  if (r) return kExitOk;
  if (r.error().code == EEXIST) return fail(kExitDenied, a.output + " exists", "add --force to replace it");
  return fail(kExitDenied, r.error().message());
}

// After --wait ran out: why each key that is still not there is not (a
// logon key, another session keyring...), as hints.
void explain_still_missing(const DecryptArgs& a) {
  auto self = probe::gather_self();
  probe::Subject s = self ? self->subject : probe::Subject{};
  for (const auto& d : key_descs(a)) {
    auto id = probe::find_key(d, a.keyring);
    if (id || id.error().code != ENOKEY) continue;
    auto facts = probe::gather_keyring_self({d}, a.keyring);
    for (const auto& f : probe::explain_key(s, facts, facts.keys[0]))
      std::cerr << "hint: " << f.id << ": " << probe::escape_for_terminal(f.explanation) << "\n"
                << "hint: " << probe::escape_for_terminal(f.fixes.empty() ? "" : f.fixes[0].command) << "\n";
  }
}

int run_decrypt(const DecryptArgs& a) {
  if (a.key.empty() && a.passphrase_key.empty())
    return fail(kExitUsage, "no identity given", "cfgprobe decrypt --key DESC FILE (or --passphrase-key DESC)");
  if (!a.keyring.empty() && !probe::parse_keyring_spec(a.keyring))
    return fail(kExitUsage, "not a keyring: " + quoted(a.keyring), "--keyring @s, @u, @p, @t, @us or a keyring id");
  if (!probe::crypto_ready()) return fail(kExitDenied, "libsodium could not start");
  struct stat st{};
  if (!a.output.empty() && !a.force && ::lstat(a.output.c_str(), &st) == 0)
    return fail(kExitDenied, a.output + " exists", "add --force to replace it");
  if (!a.wait.empty()) {
    auto limit = parse_duration(a.wait);
    if (!limit) return fail(kExitUsage, "not a duration: " + quoted(a.wait), "--wait 500ms, 30s, 2m or 1h");
    if (auto m = wait_for({key_descs(a), a.keyring, {a.file}}, *limit); !m.empty()) {
      fail(kExitWaitTimeout, "gave up after " + a.wait + ": still missing: " + join_and(m));
      explain_still_missing(a);
      return kExitWaitTimeout;
    }
  }
  auto ids = load_identities(a);
  if (auto* rc = std::get_if<int>(&ids)) return *rc;
  probe::UniqueFd in(::open(a.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!in) return fail(kExitDenied, probe::errno_error(a.file).message());
  auto& list = std::get<std::vector<probe::age::Identity>>(ids);
  auto out = probe::age::decrypt(in.get(), list);
  list.clear();  // the identities are wiped as soon as they are not needed
  if (auto* f = std::get_if<probe::age::Failure>(&out)) return decrypt_failure(a, *f);
  return release(a, std::get<probe::age::Decrypted>(out));
}

}  // namespace

void register_decrypt(CLI::App& app, int& rc) {
  auto a = std::make_shared<DecryptArgs>();
  auto* sub = app.add_subcommand("decrypt", "decrypt an age file with an identity held in the kernel keyring");
  sub->add_option("--key", a->key, "description of the user key holding the age identity (age-keygen text)");
  sub->add_option("--keyring", a->keyring, "search only this keyring: @s, @u, @p, @t, @us or an id");
  sub->add_option("--passphrase-key", a->passphrase_key, "description of the user key holding a passphrase (scrypt)");
  sub->add_option("--wait", a->wait, "wait up to DURATION (500ms, 30s, 2m) for the key and the file to appear");
  sub->add_option("-o,--output", a->output, "write the plaintext to FILE (0600, atomically) instead of stdout");
  sub->add_flag("--force", a->force, "replace an existing output file");
  sub->add_option("file", a->file, "the age file")->required();
  sub->callback([a, &rc] { rc = run_decrypt(*a); });
}

}  // namespace cfgprobe
