// Ground truth: a forked helper takes the subject's credentials,
// capabilities and (for a live pid) its user and mount namespaces, root and
// cwd, and really tries the open. Needs root.
#pragma once

#include <string>

#include "probe/report.hpp"
#include "probe/result.hpp"
#include "probe/subject.hpp"

namespace probe {

// Returns the errno of open(path, O_RDONLY|O_NONBLOCK|O_NOCTTY) as the
// subject (0 on success). A FIFO, device or socket is never opened for
// reading: the helper resolves it with O_PATH and asks access(2) instead.
// The Error is about the helper itself (fork, setns, a credential change
// that did not stick), never about the path.
// apparmor_label: the subject's AppArmor profiles ("a//&b"); when not
// empty the helper changes to them (aa_change_profile) right before the
// open, after every credential change, so the open is checked against the
// subject's profile and not cfgprobe's.
Result<KernelCheck> kernel_open(const Subject& s, const std::string& path, const std::string& apparmor_label = {});

}  // namespace probe
