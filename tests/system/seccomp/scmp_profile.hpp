// Test helpers: an OCI/Docker seccomp profile (JSON) translated into
// libseccomp calls, as runc/crun do, and a libseccomp context exported as
// the BPF the kernel would get.
#pragma once

#include <seccomp.h>

#include <set>
#include <string>

#include "probe/seccomp.hpp"

namespace scmptest {

// Docker's default capability set: decides the profiles' includes/excludes.
std::set<std::string> docker_default_caps();

// A context for the native arch plus the profile's sub-architectures, with
// its rules. nullptr and *err set when the JSON cannot be used.
scmp_filter_ctx profile_to_ctx(const std::string& json_text, const std::set<std::string>& caps, std::string* err);

// seccomp_export_bpf() into a memfd, read back.
probe::BpfProgram export_bpf(scmp_filter_ctx ctx);

// The text of shared/testdata/seccomp/NAME ("" when missing).
std::string read_testdata(const std::string& name);

}  // namespace scmptest
