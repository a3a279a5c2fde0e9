#!/usr/bin/env python3
"""policies/ in the test suite (issue 7).

  check_policies.py selinux SRCDIR    cfgprobe.{te,fc,if} compile with
                                      selinux-policy-dev into cfgprobe.pp
  check_policies.py apparmor PROFILE  apparmor_parser -Q -K parses it
  check_policies.py seccomp SRCDIR UPSTREAM
                                      the generated profiles are fresh, valid
                                      JSON, and upstream plus one keyring rule
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SELINUX_MAKEFILE = "/usr/share/selinux/devel/Makefile"


def selinux(srcdir):
    if not os.path.exists(SELINUX_MAKEFILE):
        print(f"{SELINUX_MAKEFILE} missing: install selinux-policy-dev")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("te", "fc", "if"):
            shutil.copy(os.path.join(srcdir, f"cfgprobe.{ext}"), tmp)
        r = subprocess.run(["make", "-f", SELINUX_MAKEFILE, "cfgprobe.pp"], cwd=tmp,
                           capture_output=True, text=True)
        print(r.stdout + r.stderr)
        pp = os.path.join(tmp, "cfgprobe.pp")
        if r.returncode != 0 or not os.path.exists(pp) or os.path.getsize(pp) == 0:
            print(f"make cfgprobe.pp: exit {r.returncode}")
            return 1
        # m4 leaves an unknown interface name as text, which checkmodule
        # rejects; warnings from m4 or checkmodule are failures too.
        bad = [l for l in (r.stdout + r.stderr).splitlines() if "warning" in l.lower() or "error" in l.lower()]
        if bad:
            print("\n".join(bad))
            return 1
    return 0


def apparmor(profile):
    parser = shutil.which("apparmor_parser") or "/sbin/apparmor_parser"
    if not os.path.exists(parser):
        print("apparmor_parser missing: install apparmor")
        return 77
    r = subprocess.run([parser, "-Q", "-K", profile], capture_output=True, text=True)
    # Without AppArmor in the kernel the parser notes that it cannot cache;
    # any other message is a problem with the profile.
    msgs = [l for l in r.stderr.splitlines() if l and not l.startswith("Cache read/write disabled")]
    print(r.stdout + r.stderr)
    return 0 if r.returncode == 0 and not msgs else 1


KEYRING = {"keyctl", "add_key", "request_key"}


def seccomp(srcdir, upstream):
    if not os.path.isdir(upstream):
        print(f"{upstream} missing")
        return 77
    gen = os.path.join(srcdir, "generate.py")
    r = subprocess.run([sys.executable, gen, "--check", "--upstream", upstream, "--out", srcdir],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr)
    if r.returncode != 0:
        return 1
    problems = []
    for name in ("docker-default", "podman-default"):
        up = json.load(open(os.path.join(upstream, name + ".json"), encoding="utf-8"))
        try:
            ours = json.load(open(os.path.join(srcdir, name + "-keyring.json"), encoding="utf-8"))
        except (OSError, ValueError) as e:
            problems.append(f"{name}-keyring.json: {e}")
            continue
        rest = {k: v for k, v in ours.items() if k != "syscalls"}
        if rest != {k: v for k, v in up.items() if k != "syscalls"}:
            problems.append(f"{name}-keyring.json: a top-level field differs from upstream")
        if ours["syscalls"][:-1] != up["syscalls"]:
            problems.append(f"{name}-keyring.json: upstream rules changed")
        last = ours["syscalls"][-1]
        if last.get("action") != "SCMP_ACT_ALLOW" or not set(last["names"]) <= KEYRING:
            problems.append(f"{name}-keyring.json: the added rule is not an allow of keyring calls")
        unconditional = set()
        for rule in ours["syscalls"]:
            if rule.get("action") == "SCMP_ACT_ALLOW" and not rule.get("args") \
                    and not rule.get("includes") and not rule.get("excludes"):
                unconditional |= set(rule["names"]) & KEYRING
        if unconditional != KEYRING:
            problems.append(f"{name}-keyring.json: not allowed: {sorted(KEYRING - unconditional)}")
    print("\n".join(problems))
    return 1 if problems else 0


def main(argv):
    modes = {"selinux": selinux, "apparmor": apparmor, "seccomp": seccomp}
    if len(argv) < 3 or argv[1] not in modes:
        print(__doc__)
        return 2
    return modes[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
