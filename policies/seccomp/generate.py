#!/usr/bin/env python3
"""Container seccomp profiles that allow the kernel keyring syscalls.

Reads Docker's and Podman's default profiles (the upstream copies in
../shared/testdata/seccomp/, see its README for their sources and commits)
and writes the same profiles with keyctl, add_key and request_key allowed:

  docker-default.json -> docker-default-keyring.json
  podman-default.json -> podman-default-keyring.json

Nothing else changes: one rule is appended that allows the keyring calls the
upstream profile does not already allow unconditionally. If upstream ever
names one of them in a rule with another action or a condition (arguments,
capabilities, arches), this script stops instead of guessing: review the
change by hand.

  generate.py [--upstream DIR] [--out DIR]   write the profiles
  generate.py --check [...]                  exit 1 if the files in --out
                                             differ from what would be written
Standard library only.
"""
import argparse
import json
import os
import sys

KEYRING = ["add_key", "keyctl", "request_key"]
PROFILES = {"docker-default.json": "docker-default-keyring.json",
            "podman-default.json": "podman-default-keyring.json"}
COMMENT = ("cfgprobe: the kernel keyring, for configs whose key is held there "
           "(policies/seccomp/README.md)")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_UPSTREAM = os.path.join(HERE, "..", "..", "..", "shared", "testdata", "seccomp")


class UpstreamChanged(Exception):
    pass


def unconditional_allow(rule):
    return (rule.get("action") == "SCMP_ACT_ALLOW" and not rule.get("args")
            and not rule.get("includes") and not rule.get("excludes"))


def with_keyring(profile):
    """The profile with the keyring calls allowed (a new dict)."""
    out = json.loads(json.dumps(profile))
    allowed = set()
    for i, rule in enumerate(out.get("syscalls", [])):
        named = [n for n in rule.get("names", []) if n in KEYRING]
        if not named:
            continue
        if not unconditional_allow(rule):
            raise UpstreamChanged(f"rule {i} names {', '.join(named)} with action "
                                  f"{rule.get('action')} or a condition")
        allowed.update(named)
    missing = [n for n in KEYRING if n not in allowed]
    if missing:
        out.setdefault("syscalls", []).append(
            {"names": missing, "action": "SCMP_ACT_ALLOW", "comment": COMMENT})
    return out


def render(profile):
    # Upstream's own layout (tab indentation, key order kept), so a diff
    # against the upstream file shows only the added rule.
    return json.dumps(profile, indent="\t", ensure_ascii=False) + "\n"


def generate(upstream):
    texts = {}
    for src, dst in PROFILES.items():
        with open(os.path.join(upstream, src), encoding="utf-8") as f:
            profile = json.load(f)
        try:
            texts[dst] = render(with_keyring(profile))
        except UpstreamChanged as e:
            raise SystemExit(f"{src}: {e}: review it by hand")
    return texts


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", default=DEFAULT_UPSTREAM)
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args(argv[1:])
    texts = generate(a.upstream)
    stale = []
    for name, text in texts.items():
        path = os.path.join(a.out, name)
        if a.check:
            try:
                with open(path, encoding="utf-8") as f:
                    current = f.read()
            except OSError:
                current = None
            if current != text:
                stale.append(name)
        else:
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
    if stale:
        print(f"stale: {', '.join(stale)}: run policies/seccomp/generate.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
