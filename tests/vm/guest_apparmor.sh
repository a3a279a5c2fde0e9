# AppArmor scenarios, one boot (tests/vm/vm.sh apparmor). Runs as root in
# the guest; every scenario's verdicts are paired with the kernel's real
# answer from a process under the same profile.
. /vm/lib.sh
set -u
mkdir -p /etc/app /etc/apparmor.d/local
echo "key: value" >/etc/app/app.conf
echo "other: 1" >/etc/app/other.conf
chmod 0644 /etc/app/app.conf /etc/app/other.conf
for p in cfgprobe-testapp cfgprobe-complain cfgprobe-stacked; do
  cp /vm/$p /etc/apparmor.d/$p
  apparmor_parser -r /etc/apparmor.d/$p 2>/dev/null || echo "apparmor_parser $p failed"
done
section profiles cat /sys/kernel/security/apparmor/profiles

# 1. enforce, the profile lacks the path.
aa-exec -p cfgprobe-testapp -- /bin/busybox sleep 600 &
app=$!
wait_label $app cfgprobe-testapp || echo "no label on $app"
section enforce.label cat /proc/$app/attr/apparmor/current
section enforce.kernel read_as aa-exec -p cfgprobe-testapp -- /bin/busybox cat /etc/app/app.conf
section enforce.json cfgprobe inspect --verify --format json $app /etc/app/app.conf
section enforce.text cfgprobe inspect --verify $app /etc/app/app.conf
section enforce.other.json cfgprobe inspect --verify --format json $app /etc/app/other.conf

# 2. the fix cfgprobe printed, run as printed; the same process again.
fix=$(cfgprobe inspect --format json $app /etc/app/app.conf | grep -o '"echo [^"]*apparmor_parser -r [^"]*"' | head -n 1 | sed 's/^"//; s/"$//')
section fix.command echo "$fix"
section fix.run sh -c "$fix"
section fixed.kernel read_as aa-exec -p cfgprobe-testapp -- /bin/busybox cat /etc/app/app.conf
section fixed.json cfgprobe inspect --verify --format json $app /etc/app/app.conf
kill $app

# 3. complain mode: the same missing rule is a warning, the kernel allows.
aa-exec -p cfgprobe-complain -- /bin/busybox sleep 600 &
comp=$!
wait_label $comp cfgprobe-complain || echo "no label on $comp"
section complain.kernel read_as aa-exec -p cfgprobe-complain -- /bin/busybox cat /etc/app/app.conf
section complain.json cfgprobe inspect --verify --format json $comp /etc/app/app.conf
kill $comp

# 4. a stack: cfgprobe-complain (complain) and cfgprobe-stacked (enforce,
# allows): mixed modes; then cfgprobe-stacked with cfgprobe-testapp's
# original rules restored (enforce denies).
stack_case() {  # stack_case NAME LABEL: a process under LABEL, inspected and read
  aa-exec -p "$2" -- /bin/busybox sleep 600 &
  pid=$!
  wait_label $pid cfgprobe-stacked || echo "no label on $pid"
  section $1.label cat /proc/$pid/attr/apparmor/current
  section $1.kernel read_as aa-exec -p "$2" -- /bin/busybox cat /etc/app/app.conf
  section $1.json cfgprobe inspect --verify --format json $pid /etc/app/app.conf
  kill $pid
}
stack_case stack 'cfgprobe-stacked//&cfgprobe-complain'
: >/etc/apparmor.d/local/cfgprobe-testapp
apparmor_parser -r /etc/apparmor.d/cfgprobe-testapp 2>/dev/null
stack_case stack2 'cfgprobe-stacked//&cfgprobe-testapp'

# 5. bad input: a profile that does not exist; an unconfined process.
section bad.aaexec aa-exec -p no-such-profile -- /bin/busybox true
section bad.check.json cfgprobe check --apparmor-profile no-such-profile --format json /etc/app/app.conf
section unconfined.json cfgprobe inspect --verify --format json self /etc/app/app.conf
section bad.label.json cfgprobe check --apparmor-profile 'app (sideways)' --format json /etc/app/app.conf
