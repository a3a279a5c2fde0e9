#!/usr/bin/env bash
# The AppArmor scenarios of issue 8 on Debian's kernel under qemu (one
# boot): a profile without the config path denies and cfgprobe says so
# with the rule line, --verify (aa_change_profile in the helper) agrees;
# the printed fix, run as printed, allows; complain mode is a warning;
# stacks; bad profile names. Every verdict is compared with the kernel's
# answer from a process under the same profile (aa-exec ... cat).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
"$here/vm.sh" apparmor "$here/guest_apparmor.sh" "$here/lib.sh" \
  "$here/cfgprobe-testapp" "$here/cfgprobe-complain" "$here/cfgprobe-stacked" >"$OUT"
rc=$?
((rc == 77)) && exit 77
((rc != 0)) && { echo "the VM did not run (vm.sh exit $rc)"; exit 1; }
. "$here/assert.sh"

t='.targets[0]'
# 1. enforce, no rule for the path: the kernel says EACCES.
expect_text enforce.label 'cfgprobe-testapp (enforce)'
expect_text enforce.kernel 'errno=EACCES'
expect enforce.json '.subject.apparmor' '"cfgprobe-testapp (enforce)"'
expect enforce.json "$t.verdict" '"denied"'
expect enforce.json "$t.denied_by" '"apparmor"'
expect enforce.json "$t.kernel.errno" "$(kernel_errno enforce.kernel)"
expect enforce.json "$t.kernel.agrees" 'true'
expect enforce.json '[.findings[].id]' '["AA-001"]'
expect enforce.json '.findings[0].fix' \
  '["echo '"'"'/etc/app/app.conf r,'"'"' >> /etc/apparmor.d/local/cfgprobe-testapp && apparmor_parser -r /etc/apparmor.d/cfgprobe-testapp","aa-logprof"]'
expect_rc enforce.json 1
# the path the profile names is allowed, by the query and by the kernel
expect enforce.other.json "$t.verdict" '"allowed"'
expect enforce.other.json "$t.apparmor.outcome" '"allowed"'
expect enforce.other.json "$t.kernel.agrees" 'true'

# 2. the fix as printed, then the same process again.
expect_rc fix.run 0
expect_text fixed.kernel 'errno=0'
expect fixed.json "$t.verdict" '"allowed"'
expect fixed.json "$t.apparmor.outcome" '"allowed"'
expect fixed.json "$t.kernel.errno" "$(kernel_errno fixed.kernel)"
expect fixed.json "$t.kernel.agrees" 'true'
expect fixed.json '[.findings[].id]' '[]'

# 3. complain: allowed by the kernel, a warning from cfgprobe.
expect_text complain.kernel 'errno=0'
expect complain.json "$t.verdict" '"allowed"'
expect complain.json "$t.apparmor.outcome" '"complain"'
expect complain.json "$t.kernel.errno" "$(kernel_errno complain.kernel)"
expect complain.json "$t.kernel.agrees" 'true'
expect complain.json '[.findings[] | select(.id | startswith("AA")) | [.id, .severity]]' '[["AA-002","warning"]]'
expect_rc complain.json 0

# 4. stacks: mixed modes (complain denies, enforce allows) -> a warning;
# both enforce, one denies -> denied by that one.
expect_text stack.label 'cfgprobe-complain//&cfgprobe-stacked (mixed)'
expect stack.json "$t.apparmor.checks | map([.profile, .mode, .allowed])" \
  '[["cfgprobe-complain","complain",false],["cfgprobe-stacked","enforce",true]]'
expect stack.json "$t.verdict" '"allowed"'
expect stack.json "$t.kernel.errno" "$(kernel_errno stack.kernel)"
expect stack.json "$t.kernel.agrees" 'true'
expect_text stack2.label 'cfgprobe-stacked//&cfgprobe-testapp (enforce)'
expect stack2.json "$t.verdict" '"denied"'
expect stack2.json "$t.denied_by" '"apparmor"'
expect stack2.json "$t.kernel.errno" "$(kernel_errno stack2.kernel)"
expect stack2.json "$t.kernel.agrees" 'true'
expect stack2.json '[.findings[] | .id + " " + (.explanation | capture("profile (?<p>[^ ]+)").p)]' '["AA-001 cfgprobe-testapp"]'

# 5. bad input: clear findings, no crash, never "allowed".
expect_rc bad.aaexec 1
expect bad.check.json "$t.verdict" '"unknown"'
expect bad.check.json '[.findings[].id]' '["AA-004"]'
expect_rc bad.check.json 1
expect bad.label.json "$t.verdict" '"unknown"'
expect bad.label.json '.subject.apparmor_probe.state' '"unknown"'
expect bad.label.json '[.findings[].id]' '["AA-003"]'
expect unconfined.json '.subject.apparmor' '"unconfined"'
expect unconfined.json "$t.apparmor.outcome" '"not applicable"'
expect unconfined.json "$t.verdict" '"allowed"'
finish
