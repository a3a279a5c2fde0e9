#!/usr/bin/env bash
# The SELinux scenarios of issue 8 on Debian's kernel, enforcing, under qemu
# (one boot): a live httpd_t process whose config on a labeled tmpfs is
# user_home_t. cfgprobe inspect reads the real context, decides with the
# kernel, and each verdict is compared with the read that very process
# then tries (see guest_selinux.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
"$here/vm.sh" selinux "$here/guest_selinux.sh" "$here/lib.sh" >"$OUT"
rc=$?
((rc == 77)) && exit 77
((rc != 0)) && { echo "the VM did not run (vm.sh exit $rc)"; exit 1; }
. "$here/assert.sh"

t='.targets[0]'
expect_rc load_policy 0
expect_text kernel.context 'system_u:system_r:kernel_t:s0'
expect_text reader.context 'system_u:system_r:httpd_t:s0'
expect_text getsebool 'httpd_read_user_content --> off'

# 1. enforcing, boolean off, drifted label: denied by selinux.
expect_text enforce.kernel 'errno=EACCES'
expect enforce.json '.subject.selinux' '"system_u:system_r:httpd_t:s0"'
expect enforce.json '.subject.selinux_probe.source' '"kernel"'
expect enforce.json "$t.verdict" '"denied"'
expect enforce.json "$t.denied_by" '"selinux"'
expect enforce.json "$t.errno" "$(kernel_errno enforce.kernel)"
# --verify cannot enter httpd_t: no answer, and the reason, never DAC's open
expect enforce.json "$t.kernel.agrees" 'null'
expect enforce.json "$t.kernel.error | test(\"SELinux domain\")" 'true'
expect enforce.json '[.findings[] | select(.id == "SEL-005") | .fix[0]]' "[\"restorecon -v '/srv/www/app.conf'\"]"
expect enforce.json '[.findings[] | (.explanation, .fix[]) | select(test("httpd_read_user_content"))] | length > 0' 'true'
expect_rc enforce.json 1

# 2. setsebool httpd_read_user_content 1: allowed, as the kernel says.
expect_text boolean.kernel 'errno=0'
expect boolean.json "$t.verdict" '"allowed"'
expect boolean.json "$t.errno" "$(kernel_errno boolean.kernel)"

# 3. permissive: the kernel allows; the denial is a warning.
expect_text permissive.kernel 'errno=0'
expect permissive.json "$t.verdict" '"allowed"'
expect permissive.json "$t.errno" "$(kernel_errno permissive.kernel)"
expect permissive.json '[.findings[] | select(.id | startswith("SEL")) | .severity] | unique' '["warning"]'
expect_rc permissive.json 0

# 4. after the restorecon cfgprobe suggested: allowed in enforcing.
expect_rc restorecon 0
expect_text restored.kernel 'errno=0'
expect restored.json "$t.verdict" '"allowed"'
expect restored.json "$t.errno" "$(kernel_errno restored.kernel)"
expect restored.json '[.findings[] | select(.id | startswith("SEL"))]' '[]'

# 5. bad input: a context the loaded policy rejects: a usage error, clear.
expect_rc bad.context 2
checks=$((checks + 1))
if sec bad.context | grep -q 'is not valid in the policy'; then echo "ok   bad.context names the invalid context"
else echo "FAIL bad.context: no clear message"; fails=$((fails + 1)); fi
finish
