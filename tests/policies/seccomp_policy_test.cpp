// policies/seccomp: the generated keyring profiles, loaded with libseccomp
// (as runc/crun load a profile) into a child. keyctl, add_key and
// request_key must behave exactly as without a filter; the upstream profile
// each one comes from is run beside it, so the test can tell the difference;
// and a call upstream blocks (delete_module) stays blocked.
#include <gtest/gtest.h>
#include <seccomp.h>
#include <sys/syscall.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "filtered_child.hpp"
#include "scmp_profile.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string generated(const std::string& name) {
  const char* root = std::getenv("CFGPROBE_SOURCE_ROOT");
  return read_file(std::string(root ? root : ".") + "/policies/seccomp/" + name);
}

scmptest::Installer installer(const std::string& json_text) {
  return [json_text] {
    std::string err;
    scmp_filter_ctx ctx = scmptest::profile_to_ctx(json_text, scmptest::docker_default_caps(), &err);
    if (ctx == nullptr) return false;
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0;
  };
}

struct Case {
  std::string label;
  scmptest::Call call;
};

std::vector<Case> keyring_calls() {
  std::vector<Case> out;
  std::vector<std::string> abis{"x86_64"};
  if (scmptest::have_i386()) abis.push_back("i386");
  for (const auto& abi : abis)
    for (const char* n : {"keyctl", "add_key", "request_key"}) out.push_back({std::string(n) + "/" + abi, scmptest::config_call(n, abi)});
  return out;
}

void check_profile(const std::string& upstream_name, const std::string& generated_name) {
  std::string upstream = scmptest::read_testdata(upstream_name);
  if (upstream.empty()) GTEST_SKIP() << "no ../shared/testdata/seccomp/" << upstream_name;
  std::string mine = generated(generated_name);
  ASSERT_FALSE(mine.empty()) << "policies/seccomp/" << generated_name << " missing";

  auto cases = keyring_calls();
  std::vector<scmptest::Call> calls;
  for (const auto& c : cases) calls.push_back(c.call);
  // NULL name: EFAULT as root, EPERM without CAP_SYS_MODULE; both profiles
  // block it for a container without CAP_SYS_MODULE.
  calls.push_back({.nr = SYS_delete_module});

  auto bare = scmptest::run_filtered([] { return true; }, calls);
  auto up = scmptest::run_filtered(installer(upstream), calls);
  auto ours = scmptest::run_filtered(installer(mine), calls);
  ASSERT_EQ(bare.size(), calls.size());
  ASSERT_EQ(up.size(), calls.size());
  ASSERT_EQ(ours.size(), calls.size());

  int blocked_upstream = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& label = cases[i].label;
    ASSERT_EQ(bare[i].kind, scmptest::Outcome::Kind::Returned) << label << ": " << bare[i].text();
    EXPECT_EQ(ours[i], bare[i]) << label << ": " << ours[i].text() << " with the profile, " << bare[i].text()
                                << " without";
    EXPECT_NE(ours[i].ret, -EPERM) << label;
    EXPECT_NE(ours[i].ret, -ENOSYS) << label;
    if (!(up[i] == bare[i])) ++blocked_upstream;
  }
  EXPECT_GT(blocked_upstream, 0) << upstream_name << " blocks none of the keyring calls: the test proves nothing";
  size_t r = cases.size();
  EXPECT_EQ(ours[r], up[r]) << "delete_module: " << ours[r].text() << " with ours, " << up[r].text() << " upstream";
  EXPECT_EQ(ours[r].kind, scmptest::Outcome::Kind::Returned) << "delete_module: " << ours[r].text();
  EXPECT_TRUE(ours[r].ret == -EPERM || ours[r].ret == -ENOSYS) << "delete_module: " << ours[r].text();
}

TEST(SeccompPolicy, DockerKeyringProfileAllowsTheKeyring) {
  check_profile("docker-default.json", "docker-default-keyring.json");
}

TEST(SeccompPolicy, PodmanKeyringProfileAllowsTheKeyring) {
  check_profile("podman-default.json", "podman-default-keyring.json");
}

}  // namespace
