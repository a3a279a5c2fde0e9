#!/usr/bin/env python3
"""Keeps the man pages and the bash completion true to the code (issue 7).

  check_docs.py lint PAGE...                 mandoc -Tlint quiet, man -l renders
  check_docs.py options CFGPROBE MANDIR      every subcommand and long option of
                                             --help is in cfgprobe.8 (or its page)
  check_docs.py completion CFGPROBE FILE     the completion offers exactly --help's
  check_docs.py diagnostics CFGPROBE PAGE    the page's IDs == the catalog's

Exit 0 when all is well; 1 with one line per problem otherwise.
"""
import os
import re
import subprocess
import sys

# mandoc -Tlint messages that are allowed: a cross reference to a page that
# is not installed on this machine (our own pages before `meson install`,
# getpcaps(8), audit2why(1), ... where their packages are absent), and
# mandoc's note that its database lacks those pages. Everything else,
# STYLE included, is a failure.
ALLOWED_LINT = (re.compile(r"STYLE: referenced manual not found: "),
                re.compile(r"^mandoc: outdated mandoc\.db lacks "))


# Subcommands registered in the code whose documentation is deliberately
# not written yet, with the reason. Each one is printed on every run; remove
# it here when its page and completion land, and the checks cover it again.
PENDING = {}


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def lint(pages):
    problems = []
    env = dict(os.environ, MANPAGER="cat", PAGER="cat", MANWIDTH="80", LC_ALL="C.UTF-8")
    for page in pages:
        r = run(["mandoc", "-Tlint", page])
        for line in (r.stdout + r.stderr).splitlines():
            if line and not any(p.search(line) for p in ALLOWED_LINT):
                problems.append(line)
        for args in (["man", "-l", page], ["man", "-l", "-Tutf8", page]):
            m = run(args, env=env)
            if m.returncode != 0 or m.stderr.strip() or (args[2] != "-Tutf8" and not m.stdout.strip()):
                problems.append(f"{' '.join(args)}: exit {m.returncode}: {m.stderr.strip()}")
    return problems


def help_text(cfgprobe, *sub):
    r = run([cfgprobe, *sub, "--help"])
    if r.returncode != 0:
        raise SystemExit(f"{cfgprobe} {' '.join(sub)} --help: exit {r.returncode}: {r.stderr}")
    return r.stdout


def subcommands(cfgprobe):
    text = help_text(cfgprobe)
    part = text.split("Subcommands:", 1)
    if len(part) != 2:
        raise SystemExit("cfgprobe --help lists no subcommands")
    subs = re.findall(r"^  ([a-z][a-z0-9-]*)\s", part[1], re.M)
    if not subs:
        raise SystemExit("cfgprobe --help: no subcommand parsed")
    for sub in subs:
        if sub in PENDING:
            print(f"NOT CHECKED: {sub}: {PENDING[sub]}")
    return [s for s in subs if s not in PENDING]


def long_options(text):
    """The long options of a CLI11 --help: the Options: section only."""
    part = text.split("Options:", 1)
    if len(part) != 2:
        return set()
    return set(re.findall(r"^  (?:-[a-zA-Z],)?(--[a-z][a-z0-9-]*)", part[1], re.M))


def rendered(page):
    # Wide, so that no option is broken across lines.
    r = run(["mandoc", "-Tascii", "-Owidth=1000", page])
    if r.returncode != 0:
        raise SystemExit(f"mandoc {page}: {r.stderr}")
    return re.sub(r".\x08", "", r.stdout)


def options(cfgprobe, mandir):
    main = rendered(os.path.join(mandir, "cfgprobe.8"))
    problems = []
    for sub in subcommands(cfgprobe):
        if not re.search(rf"\bcfgprobe {re.escape(sub)}\b", main):
            problems.append(f"subcommand {sub} is not in cfgprobe.8")
        own = [os.path.join(mandir, f) for f in os.listdir(mandir) if f.startswith(f"cfgprobe-{sub}.")]
        texts = [main] + [rendered(p) for p in own]
        opts = long_options(help_text(cfgprobe, sub))
        if not opts:
            problems.append(f"cfgprobe {sub} --help: no option parsed")
        for opt in sorted(opts):
            if not any(re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", t) for t in texts):
                problems.append(f"cfgprobe {sub} {opt} is in --help but not in cfgprobe.8"
                                + (f" or {', '.join(os.path.basename(p) for p in own)}" if own else ""))
    return problems


# bash-completion's helpers, reduced to what the test needs (the package is
# not a build dependency): words from COMP_WORDS, no file names.
COMPLETION_STUBS = r"""
_init_completion() { words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; cur=${words[cword]}; prev=${words[cword-1]}; }
_filedir() { :; }
complete() { :; }
"""


def complete(file, words):
    script = (COMPLETION_STUBS + f"source {sh_quote(file)}\n"
              + "COMP_WORDS=(" + " ".join(sh_quote(w) for w in words) + ")\n"
              + f"COMP_CWORD={len(words) - 1}\n_cfgprobe\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    r = run(["bash", "--norc", "--noprofile", "-c", script])
    if r.returncode != 0:
        raise SystemExit(f"completion {words}: exit {r.returncode}: {r.stderr}")
    return set(x for x in r.stdout.splitlines() if x)


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def completion(cfgprobe, file):
    problems = []
    subs = subcommands(cfgprobe)
    offered = complete(file, [cfgprobe, ""]) - {"self"}
    if offered != set(subs):
        problems.append(f"subcommands: completion offers {sorted(offered)}, --help has {sorted(subs)}")
    top = long_options(help_text(cfgprobe))
    if complete(file, [cfgprobe, "--"]) != top:
        problems.append(f"top level: completion offers {sorted(complete(file, [cfgprobe, '--']))}, --help has {sorted(top)}")
    for sub in subs:
        want = long_options(help_text(cfgprobe, sub))
        got = complete(file, [cfgprobe, sub, "--"])
        if got != want:
            problems.append(f"{sub}: completion offers {sorted(got)}, --help has {sorted(want)}")
    return problems


def diagnostics(cfgprobe, page):
    r = run([cfgprobe, "explain", "--list"])
    if r.returncode != 0:
        raise SystemExit(f"cfgprobe explain --list: exit {r.returncode}")
    listed = {}
    for line in r.stdout.splitlines():
        ident, _, title = line.partition("  ")
        listed[ident] = title
    if len(listed) < 10:
        raise SystemExit(f"cfgprobe explain --list: only {len(listed)} IDs parsed")
    source = open(page, encoding="utf-8").read()
    in_page = re.findall(r"^\.Ss ([A-Z]+-[0-9]+)$", source, re.M)
    problems = []
    if len(in_page) != len(set(in_page)):
        problems.append("an ID has two sections in the page")
    for ident in sorted(set(listed) - set(in_page)):
        problems.append(f"{ident} is in the catalog but not in {os.path.basename(page)}")
    for ident in sorted(set(in_page) - set(listed)):
        problems.append(f"{ident} is in {os.path.basename(page)} but not in the catalog")
    # Each section carries the entry's text: its title and the first words
    # of what `cfgprobe explain ID` says it means.
    text = " ".join(rendered(page).split())
    for ident, title in listed.items():
        explain = run([cfgprobe, "explain", ident]).stdout
        meaning = explain.split("What it means\n", 1)[-1].split("\n\n", 1)[0]
        for want in (title, " ".join(meaning.split()[:8])):
            if " ".join(want.split()) not in text:
                problems.append(f"{ident}: {want!r} is not in the page")
    return problems


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    mode, args = argv[1], argv[2:]
    checks = {"lint": lambda: lint(args), "options": lambda: options(*args),
              "completion": lambda: completion(*args), "diagnostics": lambda: diagnostics(*args)}
    if mode not in checks:
        print(__doc__)
        return 2
    problems = checks[mode]()
    for p in problems:
        print(p)
    print(f"{mode}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
